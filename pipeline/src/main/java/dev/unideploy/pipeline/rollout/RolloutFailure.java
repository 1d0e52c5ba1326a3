package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.UnideployException;
import java.util.List;

/** A health gate or a rollout step failed; carries what every instance looked like then. */
public final class RolloutFailure extends UnideployException {
  private static final long serialVersionUID = 1L;

  private final transient List<InstanceReport> instances;
  private final String headline;

  public RolloutFailure(String message, List<InstanceReport> instances) {
    super(message + describe(instances));
    this.headline = message;
    this.instances = List.copyOf(instances);
  }

  /** The message without the per-instance report: what the journal and history keep. */
  public String headline() {
    return headline;
  }

  public List<InstanceReport> instances() {
    return instances;
  }

  /** The unhealthy instances, one per line, each with its console tail. */
  public static String describe(List<InstanceReport> list) {
    StringBuilder sb = new StringBuilder();
    for (InstanceReport r : list) {
      if (r.state().equals("healthy")) {
        continue;
      }
      sb.append("\n  ").append(r.id()).append(": ").append(r.state());
      if (!r.detail().isEmpty()) {
        sb.append(" (").append(r.detail()).append(')');
      }
      for (String line : r.consoleTail()) {
        sb.append("\n    | ").append(line);
      }
    }
    return sb.toString();
  }
}
