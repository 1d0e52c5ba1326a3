package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code providers.local} section of {@code unideploy.yaml}: where the image store and the
 * instances' state live, how QEMU runs them, and the app's stable endpoint. How many instances,
 * which ports and what "healthy" means are provider-neutral: {@code deploy} and {@code health}.
 *
 * @param home folder for instance state and logs; default {@code $UNIDEPLOY_LOCAL_HOME}, else
 *     {@code ~/.unideploy/local}
 * @param store the image store folder; default {@code <home>/images}
 * @param memoryMiB guest memory (default 256)
 * @param accelerator {@code auto} (KVM when usable and not nested), {@code kvm} or {@code tcg}
 * @param endpoint the load balancer in front of the serving instances
 */
public record LocalSettings(
    @JsonProperty("home") String home,
    @JsonProperty("store") String store,
    @JsonProperty("memory") Integer memoryMiB,
    @JsonProperty("accelerator") String accelerator,
    @JsonProperty("endpoint") Endpoint endpoint) {

  @JsonCreator
  public LocalSettings {
    if (memoryMiB == null) {
      memoryMiB = 256;
    }
    if (memoryMiB < 16) {
      throw new IllegalArgumentException("memory must be >= 16 MiB, was " + memoryMiB);
    }
    accelerator = accelerator == null ? "auto" : accelerator.toLowerCase(Locale.ROOT);
    if (!List.of("auto", "kvm", "tcg").contains(accelerator)) {
      throw new IllegalArgumentException(
          "accelerator '" + accelerator + "' is unknown: use auto, kvm or tcg");
    }
    endpoint = endpoint == null ? Endpoint.defaults() : endpoint;
  }

  public LocalSettings(String home, String store, Integer memoryMiB, String accelerator) {
    this(home, store, memoryMiB, accelerator, null);
  }

  /** Every default. */
  public static LocalSettings defaults() {
    return new LocalSettings(null, null, null, null, null);
  }

  public LocalSettings withHome(String newHome) {
    return new LocalSettings(newHome, store, memoryMiB, accelerator, endpoint);
  }

  /**
   * The app's stable local endpoint: a load balancer on a fixed host port that forwards to the
   * instances in service (the first of {@code deploy.ports}).
   *
   * @param address where it listens (default 127.0.0.1; 0.0.0.0 makes the app reachable from the
   *     network)
   * @param port the fixed port; default: a free port chosen at the app's first deploy and kept
   * @param drain how long a group leaving service may finish its open connections (default 10 s)
   */
  public record Endpoint(
      @JsonProperty("address") String address,
      @JsonProperty("port") Integer port,
      @JsonProperty("drain") Duration drain) {
    @JsonCreator
    public Endpoint {
      address = address == null || address.isBlank() ? "127.0.0.1" : address;
      if (port != null && (port < 1 || port > 65535)) {
        throw new IllegalArgumentException("endpoint.port " + port + " is not a TCP port");
      }
      drain = drain == null ? Duration.ofSeconds(10) : drain;
      if (drain.isNegative()) {
        throw new IllegalArgumentException("endpoint.drain must not be negative, was " + drain);
      }
    }

    public static Endpoint defaults() {
      return new Endpoint(null, null, null);
    }
  }
}
