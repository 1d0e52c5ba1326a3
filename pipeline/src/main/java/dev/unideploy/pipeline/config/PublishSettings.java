package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Locale;

/**
 * Provider-neutral settings that shape a published image: its name template, CPU architecture, boot
 * mode and how many of the app's images to keep.
 */
public record PublishSettings(
    @JsonProperty("name")
        @JsonPropertyDescription(
            "The image name template: {app}, {version} and {sha8} (the first 8 hex digits of the disk's SHA-256).")
        String nameTemplate,
    @JsonProperty("architecture") @JsonPropertyDescription("The CPU architecture of the image.")
        Architecture architecture,
    @JsonProperty("bootMode")
        @JsonPropertyDescription(
            "How the firmware boots the image: legacy BIOS, UEFI, or UEFI where the instance type offers it.")
        BootMode bootMode,
    @JsonProperty("keep")
        @JsonPropertyDescription(
            "How many of the app's newest images to keep per region when publishing; 0 keeps all.")
        int keep) {

  public static final String DEFAULT_NAME_TEMPLATE = "{app}-{version}-{sha8}";

  @JsonCreator
  public PublishSettings {
    if (nameTemplate == null || nameTemplate.isBlank()) {
      nameTemplate = DEFAULT_NAME_TEMPLATE;
    }
    if (architecture == null) {
      architecture = Architecture.X86_64;
    }
    if (bootMode == null) {
      bootMode = BootMode.LEGACY_BIOS;
    }
    if (keep < 0) {
      throw new IllegalArgumentException(
          "publish.keep must be 0 (keep all) or a positive count, was " + keep);
    }
  }

  public static PublishSettings defaults() {
    return new PublishSettings(null, null, null, 0);
  }

  /** CPU architecture of the image. */
  public enum Architecture {
    X86_64,
    ARM64;

    @JsonCreator
    public static Architecture parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "x86_64", "amd64", "x64" -> X86_64;
        case "arm64", "aarch64" -> ARM64;
        default ->
            throw new IllegalArgumentException(
                "unknown architecture '" + s + "': use x86_64 or arm64");
      };
    }
  }

  /** How the firmware boots the image; AWS names, mapped by each provider. */
  public enum BootMode {
    LEGACY_BIOS,
    UEFI,
    UEFI_PREFERRED;

    @JsonCreator
    public static BootMode parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "legacy-bios", "bios", "legacy_bios" -> LEGACY_BIOS;
        case "uefi" -> UEFI;
        case "uefi-preferred", "uefi_preferred" -> UEFI_PREFERRED;
        default ->
            throw new IllegalArgumentException(
                "unknown boot mode '" + s + "': use legacy-bios, uefi or uefi-preferred");
      };
    }
  }
}
