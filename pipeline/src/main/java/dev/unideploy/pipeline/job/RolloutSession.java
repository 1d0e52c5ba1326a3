package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.rollout.HealthGate;
import dev.unideploy.pipeline.rollout.RolloutEngine;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.Rollouts;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.AppLock;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;

/**
 * The rollout engine wired to one locked {@link JobSession}: its fleet, its journal and a health
 * gate from the config, with the lock checked before every step.
 */
final class RolloutSession {
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  final Fleet fleet;
  final Rollouts rollouts;
  final ProviderContext context;
  final DeployConfig config;

  RolloutSession(Fleet fleet, JobSession session, DeployConfig config, RolloutOptions options) {
    this.fleet = fleet;
    this.context = session.context();
    this.config = config;
    HealthGate gate =
        new HealthGate(
            fleet,
            config.health(),
            config.deploy().firstPort(),
            context.events(),
            options.clock(),
            options.cancellation());
    AppLock lock = session.lock();
    String app = config.requireApp();
    RolloutEngine engine =
        new RolloutEngine(
            fleet,
            gate,
            new RolloutJournal(context.journal(), context.clock()),
            context.events(),
            options.clock(),
            options.cancellation(),
            () -> {
              if (!lock.held()) {
                throw new UnideployException(
                    "this run lost the deploy lock of "
                        + app
                        + " (its lease expired or another run forced it): stopping without further"
                        + " changes; see unideploy status");
              }
            });
    this.rollouts = new Rollouts(fleet, engine, context.journal(), app, context.events());
  }

  /** A new rollout id: sortable by time, unique. */
  String newId() {
    byte[] b = new byte[3];
    RANDOM.nextBytes(b);
    return ID_TIME.format(context.clock().instant()) + "-" + HexFormat.of().formatHex(b);
  }

  List<ServerGroup> groups() {
    return fleet.serverGroups(config.requireApp());
  }

  /** The load balancer address a provider puts in a serving group's attributes, if any. */
  static String endpoint(List<ServerGroup> groups) {
    for (ServerGroup g : groups) {
      String e = g.attributes().get("endpoint");
      if (e != null && g.inService()) {
        return e;
      }
    }
    return null;
  }
}
