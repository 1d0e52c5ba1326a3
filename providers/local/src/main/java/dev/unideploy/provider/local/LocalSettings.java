package dev.unideploy.provider.local;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * The {@code providers.local} section of {@code unideploy.yaml}: where the image store and the
 * instances' state live, and how QEMU runs them. How many instances, which ports and what "healthy"
 * means are provider-neutral: {@code deploy} and {@code health}.
 *
 * @param home folder for instance state and logs; default {@code $UNIDEPLOY_LOCAL_HOME}, else
 *     {@code ~/.unideploy/local}
 * @param store the image store folder; default {@code <home>/images}
 * @param memoryMiB guest memory (default 256)
 * @param accelerator {@code auto} (KVM when usable), {@code kvm} or {@code tcg}
 */
public record LocalSettings(
    @JsonProperty("home") String home,
    @JsonProperty("store") String store,
    @JsonProperty("memory") Integer memoryMiB,
    @JsonProperty("accelerator") String accelerator) {

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
  }

  /** Every default. */
  public static LocalSettings defaults() {
    return new LocalSettings(null, null, null, null);
  }

  public LocalSettings withHome(String newHome) {
    return new LocalSettings(newHome, store, memoryMiB, accelerator);
  }
}
