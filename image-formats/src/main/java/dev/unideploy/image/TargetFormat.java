package dev.unideploy.image;

import java.util.Locale;

/** What a publisher (or {@code unideploy convert --to}) asks the image to be turned into. */
public enum TargetFormat {
  RAW("raw"),
  VMDK_STREAM("vmdk-stream"),
  VMDK_SPARSE("vmdk-sparse"),
  VHD_FIXED("vhd-fixed"),
  VHD_DYNAMIC("vhd-dynamic"),
  GCE_TARBALL("gce-tar");

  private final String cliName;

  TargetFormat(String cliName) {
    this.cliName = cliName;
  }

  /** The name used on the command line and in config files. */
  public String cliName() {
    return cliName;
  }

  /** Parses a CLI name such as {@code vmdk-stream}; the error lists the valid names. */
  public static TargetFormat fromCliName(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    for (TargetFormat f : values()) {
      if (f.cliName.equals(wanted)) {
        return f;
      }
    }
    StringBuilder valid = new StringBuilder();
    for (TargetFormat f : values()) {
      valid.append(valid.length() == 0 ? "" : ", ").append(f.cliName);
    }
    throw new IllegalArgumentException("unknown output format '" + name + "': use one of " + valid);
  }
}
