package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * The {@code providers.local} section of {@code unideploy.yaml}: where the store and instance state
 * live, how many instances a deploy starts, which guest ports are forwarded, and how an instance
 * proves it is ready.
 *
 * @param home folder for instance state and logs; default {@code $UNIDEPLOY_LOCAL_HOME}, else
 *     {@code ~/.unideploy/local}
 * @param store the image store folder; default {@code <home>/images}
 * @param instances instances per deploy (default 1)
 * @param ports guest TCP ports to forward from free loopback ports
 * @param ready readiness checks (serial regex, HTTP path, TCP connect)
 * @param memoryMiB guest memory (default 256)
 * @param bootTimeoutSeconds how long an instance may take to become ready (default 180)
 * @param accelerator {@code auto} (KVM when usable), {@code kvm} or {@code tcg}
 */
public record LocalSettings(
    @JsonProperty("home") String home,
    @JsonProperty("store") String store,
    @JsonProperty("instances") Integer instances,
    @JsonProperty("ports") List<Integer> ports,
    @JsonProperty("ready") Readiness ready,
    @JsonProperty("memory") Integer memoryMiB,
    @JsonProperty("bootTimeout") Integer bootTimeoutSeconds,
    @JsonProperty("accelerator") String accelerator) {

  public static final int DEFAULT_BOOT_TIMEOUT_SECONDS = 180;

  @JsonCreator
  public LocalSettings {
    if (instances == null) {
      instances = 1;
    }
    if (instances < 0) {
      throw new IllegalArgumentException("instances must be >= 0, was " + instances);
    }
    ports = ports == null ? List.of() : List.copyOf(ports);
    for (int p : ports) {
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("port " + p + " is not a TCP port (1..65535)");
      }
    }
    if (ready == null) {
      ready = Readiness.NONE;
    }
    if (memoryMiB == null) {
      memoryMiB = 256;
    }
    if (bootTimeoutSeconds == null) {
      bootTimeoutSeconds = DEFAULT_BOOT_TIMEOUT_SECONDS;
    }
    if (bootTimeoutSeconds < 1) {
      throw new IllegalArgumentException("bootTimeout must be >= 1 s, was " + bootTimeoutSeconds);
    }
    accelerator = accelerator == null ? "auto" : accelerator.toLowerCase(Locale.ROOT);
    if (!List.of("auto", "kvm", "tcg").contains(accelerator)) {
      throw new IllegalArgumentException(
          "accelerator '" + accelerator + "' is unknown: use auto, kvm or tcg");
    }
  }

  /** Every default. */
  public static LocalSettings defaults() {
    return new LocalSettings(null, null, null, null, null, null, null, null);
  }

  public LocalSettings withHome(String newHome) {
    return new LocalSettings(
        newHome, store, instances, ports, ready, memoryMiB, bootTimeoutSeconds, accelerator);
  }
}
