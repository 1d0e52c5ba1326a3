package dev.unideploy.pipeline.spi;

import java.util.List;

/** The health of every instance of a server group at one moment. */
public record GroupHealth(String group, List<InstanceHealth> instances) {
  public GroupHealth {
    instances = List.copyOf(instances);
  }

  public long healthyCount() {
    return instances.stream().filter(i -> i.state() == InstanceHealth.State.HEALTHY).count();
  }

  public boolean allHealthy(int expected) {
    return instances.size() == expected && healthyCount() == expected;
  }

  /** One instance: its id, state, and why (the probe result or the console line that decided). */
  public record InstanceHealth(String instanceId, State state, String reason) {
    /** Healthy is proven from outside; STARTING is not yet decided; UNHEALTHY includes crashed. */
    public enum State {
      STARTING,
      HEALTHY,
      UNHEALTHY
    }
  }
}
