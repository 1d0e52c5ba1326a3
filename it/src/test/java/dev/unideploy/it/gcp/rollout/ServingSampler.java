package dev.unideploy.it.gcp.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches an app on the Compute Engine fake from outside while a rollout runs, every {@value
 * #PERIOD_MILLIS} ms: each group's target size, and for each backend of the backend service how
 * many of its instances the load balancer calls HEALTHY (what a client of the load balancer gets).
 */
final class ServingSampler implements AutoCloseable {
  private static final long PERIOD_MILLIS = 200;

  /**
   * One look.
   *
   * @param sizes every group's target size
   * @param healthy each backend group's HEALTHY instances (getHealth), in backend order
   */
  record Sample(Map<String, Integer> sizes, Map<String, Integer> healthy) {
    int healthyInService() {
      return healthy.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private final GcpApp app;
  private final List<Sample> samples = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stop;
  private volatile RuntimeException error;

  ServingSampler(GcpApp app) {
    this.app = app;
    this.thread = new Thread(this::loop, "serving-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (!stop) {
        Map<String, Integer> sizes = app.groups();
        Map<String, Integer> healthy = new LinkedHashMap<>();
        for (String g : app.backends()) {
          healthy.put(g, app.healthy(g));
        }
        synchronized (samples) {
          samples.add(new Sample(sizes, healthy));
        }
        Thread.sleep(PERIOD_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      error = e;
    }
  }

  /** Stops sampling; a failure of the sampler itself fails the test. */
  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(30_000);
    if (error != null) {
      throw new IllegalStateException("the sampler failed", error);
    }
  }

  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }
}
