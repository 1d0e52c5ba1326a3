package dev.unideploy.pipeline.qemu;

import dev.unideploy.pipeline.UnideployException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the UEFI firmware (OVMF). Debian/Ubuntu's {@code ovmf} package ships a combined image at
 * {@code /usr/share/ovmf/OVMF.fd} and split code/vars images in {@code /usr/share/OVMF/}; the
 * combined image is used with {@code -bios}, the split code image as read-only pflash.
 */
public final class Firmware {

  /** Candidate firmware files, best first; the combined image needs no writable vars copy. */
  public static final List<Path> OVMF_CANDIDATES =
      List.of(
          Path.of("/usr/share/ovmf/OVMF.fd"),
          Path.of("/usr/share/OVMF/OVMF_CODE.fd"),
          Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"),
          Path.of("/usr/share/qemu/OVMF.fd"));

  private Firmware() {}

  /** The first OVMF image that exists, or a clear error saying how to install one. */
  public static Path ovmf() {
    return ovmf(OVMF_CANDIDATES);
  }

  static Path ovmf(List<Path> candidates) {
    for (Path p : candidates) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new UnideployException(
        "UEFI boot needs OVMF firmware and none was found at "
            + candidates
            + ": install it (apt-get install ovmf, or scripts/emulators.sh up) or boot with"
            + " legacy BIOS");
  }

  /** True for a split code-only image that must be paired with a writable vars store. */
  static boolean isSplitCode(Path firmware) {
    return firmware.getFileName().toString().contains("_CODE");
  }
}
