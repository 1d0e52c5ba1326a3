package dev.unideploy.provider.gcp.fleet;

import com.google.cloud.compute.v1.ManagedInstance;
import dev.unideploy.pipeline.spi.InstanceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a managed instance group says about one of its instances, in the rollout engine's terms:
 * whether the instance still belongs to the group, its lifecycle, and the load balancer's view.
 */
final class ManagedInstanceStates {
  private ManagedInstanceStates() {}

  /**
   * Whether the group is removing the instance on purpose (a resize down, deleteInstances, the
   * group's deletion). Such an instance stays listed while the backend service drains it, up to its
   * connection draining timeout and a minute more (see <a
   * href="https://cloud.google.com/compute/docs/reference/rest/v1/instanceGroupManagers/resize">instanceGroupManagers.resize</a>),
   * but it is no longer part of the group: counting it as a failed instance would fail the gate of
   * a group that grows again meanwhile (a rollback right after a rolling shrink).
   */
  static boolean leaving(ManagedInstance m) {
    String action = m.getCurrentAction();
    return action.equals("DELETING") || action.equals("ABANDONING");
  }

  static InstanceState.Lifecycle lifecycle(ManagedInstance m) {
    String status = m.getInstanceStatus();
    String action = m.getCurrentAction();
    if (leaving(m) || status.equals("STOPPING")) {
      return InstanceState.Lifecycle.STOPPING;
    }
    if (status.equals("RUNNING") && (action.equals("NONE") || action.isEmpty())) {
      return InstanceState.Lifecycle.RUNNING;
    }
    if (status.equals("TERMINATED") || status.equals("STOPPED") || status.equals("SUSPENDED")) {
      return InstanceState.Lifecycle.TERMINATED;
    }
    return InstanceState.Lifecycle.PENDING;
  }

  /**
   * The load balancer's view of the instance {@code link}.
   *
   * @param health getHealth's answer for the group (instance link to state), or null when it could
   *     not be read
   */
  static InstanceState.Traffic traffic(boolean inService, Map<String, String> health, String link) {
    if (!inService) {
      return InstanceState.Traffic.NOT_REGISTERED;
    }
    if (health == null) {
      return InstanceState.Traffic.UNKNOWN;
    }
    String state = health.get(link);
    if (state == null) {
      // getHealth answered without it: the load balancer does not send it requests yet, so it
      // cannot count as serving (a gate that took it for healthy could let a rolling deploy shrink
      // the old group below minHealthy).
      return InstanceState.Traffic.INITIAL;
    }
    return state.equals("HEALTHY")
        ? InstanceState.Traffic.HEALTHY
        : InstanceState.Traffic.UNHEALTHY;
  }

  /** The group's words for the instance's state, for reports. */
  static String reason(ManagedInstance m) {
    String status = m.getInstanceStatus();
    String action = m.getCurrentAction();
    List<String> reason = new ArrayList<>();
    reason.add(status.isEmpty() ? "no status yet" : status.toLowerCase(Locale.ROOT));
    if (!action.isEmpty() && !action.equals("NONE")) {
      reason.add(action.toLowerCase(Locale.ROOT));
    }
    m.getLastAttempt().getErrors().getErrorsList().forEach(e -> reason.add(e.getMessage()));
    return String.join(", ", reason);
  }
}
