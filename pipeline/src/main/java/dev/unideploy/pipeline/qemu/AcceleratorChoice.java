package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What {@code accelerator: auto} means for a disk on this machine. KVM when it is usable and worth
 * it; TCG when {@code /dev/kvm} cannot be opened, when this machine is itself a virtual machine
 * (the CPU reports the {@code hypervisor} flag, so KVM here is nested), or when KVM already failed
 * to run this disk ({@link KvmMemo}).
 *
 * <p>Nested KVM is not taken by default because it measured slower or broken for the guests
 * unideploy boots: on a nested-KVM CI host the sample unikernel took 34-42 s to boot under KVM and
 * 5.8 s under TCG, and the Linux-based HTTP test guest stops at once with "KVM internal error ...
 * emulation failure" under KVM while TCG boots it in 4.4 s (BENCHMARKS.md, "Accelerator"). Every
 * exit to the hypervisor costs two world switches when nested, and small guests that boot through
 * firmware and real mode exit constantly. {@code accelerator: kvm} still forces KVM.
 */
public final class AcceleratorChoice {
  private static final Pattern HYPERVISOR_FLAG =
      Pattern.compile("^flags\\s*:.*\\bhypervisor\\b", Pattern.MULTILINE);

  /** The accelerator chosen and why, for logs. */
  public record Choice(Accelerator accelerator, String why) {}

  private AcceleratorChoice() {}

  /** The choice for {@code disk} on this machine. */
  public static Choice auto(Path disk) {
    return auto(Accelerator.KVM_DEVICE, Path.of("/proc/cpuinfo"), KvmMemo.forUser(), disk);
  }

  static Choice auto(Path kvmDevice, Path cpuinfo, KvmMemo memo, Path disk) {
    if (Accelerator.detect(kvmDevice) == Accelerator.TCG) {
      return new Choice(Accelerator.TCG, kvmDevice + " is missing or not usable by this user");
    }
    if (nested(cpuinfo)) {
      return new Choice(
          Accelerator.TCG,
          "this machine is a virtual machine itself (CPU flag 'hypervisor'), and nested KVM was"
              + " slower than TCG or unable to boot small guests; accelerator: kvm forces it");
    }
    if (disk != null) {
      var failed = memo.failure(disk);
      if (failed.isPresent()) {
        return new Choice(
            Accelerator.TCG, "KVM could not run this disk before (" + failed.get() + ")");
      }
    }
    return new Choice(Accelerator.KVM, "/dev/kvm is usable");
  }

  static boolean nested(Path cpuinfo) {
    try {
      return HYPERVISOR_FLAG.matcher(Files.readString(cpuinfo, StandardCharsets.ISO_8859_1)).find();
    } catch (IOException e) {
      return false; // Not Linux, or no /proc: nothing says it is nested.
    }
  }
}
