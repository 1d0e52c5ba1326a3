package dev.unideploy.pipeline.spi;

import java.util.List;

/**
 * The atomic operations a rollout needs from a provider. Strategies (blue-green, canary, rolling)
 * live once, in the pipeline, and call only these; see ../shared/DESIGN.md.
 */
public interface Fleet {

  /** The server groups of an app, oldest first, including ones detached from traffic. */
  List<ServerGroup> serverGroups(String app);

  /** Creates a server group running {@code spec.imageId()} with {@code spec.size()} instances. */
  ServerGroup create(ServerGroupSpec spec);

  /** Reads the health of each instance of a group, judged from outside (probe, console, LB). */
  GroupHealth health(ServerGroup group);

  /** Puts the group in service (behind the load balancer / target group / forwarded ports). */
  void attach(ServerGroup group);

  /** Takes the group out of service without stopping its instances. */
  void detach(ServerGroup group);

  /** Changes the number of instances. */
  void resize(ServerGroup group, int size);

  /** Stops and removes the group and its instances. */
  void destroy(ServerGroup group);
}
