package dev.unideploy.pipeline.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class QemuCommandBuilderTest {
  private static final Path DISK = Path.of("/images/app.vmdk");
  private static final QemuCommandBuilder.Serial LOG =
      new QemuCommandBuilder.SerialFile(Path.of("/w/serial.log"));

  private static QemuSpec.Builder spec() {
    return QemuSpec.builder(DISK).diskFormat("vmdk").accelerator(Accelerator.TCG);
  }

  private static List<String> args(QemuSpec s) {
    return new QemuCommandBuilder(s).serial(LOG).qmpOnStdio(true).build();
  }

  /** The value following {@code option} (the first occurrence). */
  private static String after(List<String> args, String option) {
    int i = args.indexOf(option);
    assertThat(i).as(option + " in " + args).isNotNegative();
    return args.get(i + 1);
  }

  private static List<String> valuesOf(List<String> args, String option) {
    List<String> out = new java.util.ArrayList<>();
    for (int i = 0; i < args.size() - 1; i++) {
      if (args.get(i).equals(option)) {
        out.add(args.get(i + 1));
      }
    }
    return out;
  }

  @Test
  void tcgHasNoHostCpuAndKvmHasOne() {
    List<String> tcg = args(spec().build());
    assertThat(after(tcg, "-accel")).isEqualTo("tcg");
    assertThat(tcg).doesNotContain("-cpu");
    List<String> kvm = args(spec().accelerator(Accelerator.KVM).build());
    assertThat(after(kvm, "-accel")).isEqualTo("kvm");
    assertThat(after(kvm, "-cpu")).isEqualTo("host");
  }

  @Test
  void diskIsASnapshotWithExplicitFormat() {
    List<String> a = args(spec().build());
    assertThat(after(a, "-drive"))
        .isEqualTo("file=/images/app.vmdk,if=none,id=disk0,format=vmdk,snapshot=on");
    assertThat(a).contains("-no-reboot", "-nodefaults");
    assertThat(after(a, "-serial")).isEqualTo("file:/w/serial.log");
    assertThat(after(a, "-qmp")).isEqualTo("stdio");
  }

  @Test
  void snapshotCanBeTurnedOff() {
    assertThat(after(args(spec().snapshot(false).build()), "-drive")).doesNotContain("snapshot");
  }

  @Test
  void commasInPathsAreDoubled() {
    QemuSpec s = QemuSpec.builder(Path.of("/a,b/disk.raw")).accelerator(Accelerator.TCG).build();
    assertThat(after(args(s), "-drive")).startsWith("file=/a,,b/disk.raw,if=none");
  }

  @ParameterizedTest
  @EnumSource(DiskController.class)
  void controllerDevices(DiskController c) {
    List<String> devices = valuesOf(args(spec().controller(c).build()), "-device");
    List<String> expected =
        switch (c) {
          case VIRTIO -> List.of("virtio-blk-pci,drive=disk0,bootindex=0");
          case NVME -> List.of("nvme,drive=disk0,serial=unideploy0,bootindex=0");
          case VIRTIO_SCSI ->
              List.of("virtio-scsi-pci,id=scsi0", "scsi-hd,drive=disk0,bus=scsi0.0,bootindex=0");
          case IDE -> List.of("ide-hd,drive=disk0,bus=ide.0,bootindex=0");
        };
    assertThat(devices).containsSubsequence(expected);
    assertThat(devices).contains("virtio-net-pci,netdev=net0");
  }

  @Test
  void portForwardsBindLoopbackOnly() {
    QemuSpec s = spec().port(new PortForward(18080, 80)).port(new PortForward(2222, 22)).build();
    assertThat(after(args(s), "-netdev"))
        .isEqualTo("user,id=net0,hostfwd=tcp:127.0.0.1:18080-:80,hostfwd=tcp:127.0.0.1:2222-:22");
  }

  @Test
  void unresolvedHostPortIsRefused() {
    QemuSpec s = spec().port(PortForward.toGuest(80)).build();
    assertThatThrownBy(() -> args(s)).hasMessageContaining("guest port 80");
  }

  @Test
  void noNetworkMeansNoNic() {
    List<String> a = args(spec().network(false).build());
    assertThat(a).doesNotContain("-netdev");
    assertThat(String.join(" ", a)).doesNotContain("virtio-net");
  }

  @Test
  void biosUsesPcMachineAndUefiUsesQ35WithOvmf() {
    assertThat(after(args(spec().build()), "-machine")).isEqualTo("pc");
    assertThat(args(spec().build())).doesNotContain("-bios");
    QemuSpec combined =
        spec().bootMode(BootMode.UEFI).firmware(Path.of("/usr/share/ovmf/OVMF.fd")).build();
    assertThat(after(args(combined), "-machine")).isEqualTo("q35");
    assertThat(after(args(combined), "-bios")).isEqualTo("/usr/share/ovmf/OVMF.fd");
    QemuSpec split =
        spec().bootMode(BootMode.UEFI).firmware(Path.of("/usr/share/OVMF/OVMF_CODE.fd")).build();
    List<String> a =
        new QemuCommandBuilder(split).serial(LOG).uefiVars(Path.of("/w/vars.fd")).build();
    assertThat(valuesOf(a, "-drive"))
        .contains(
            "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd",
            "if=pflash,format=raw,unit=1,file=/w/vars.fd");
    assertThatThrownBy(() -> new QemuCommandBuilder(split).serial(LOG).build())
        .hasMessageContaining("vars");
  }

  @Test
  void foregroundPutsSerialOnStdioAndRefusesQmpThere() {
    List<String> a =
        new QemuCommandBuilder(spec().build()).serial(new QemuCommandBuilder.SerialStdio()).build();
    assertThat(after(a, "-serial")).isEqualTo("stdio");
    assertThat(a).doesNotContain("-qmp");
    assertThatThrownBy(
            () ->
                new QemuCommandBuilder(spec().build())
                    .serial(new QemuCommandBuilder.SerialStdio())
                    .qmpOnStdio(true)
                    .build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void detachedGuestGetsQmpSocketAndPidFile() {
    List<String> a =
        new QemuCommandBuilder(spec().build())
            .serial(LOG)
            .qmpSocket(Path.of("/w/qmp.sock"))
            .pidFile(Path.of("/w/qemu.pid"))
            .build();
    assertThat(after(a, "-qmp")).isEqualTo("unix:/w/qmp.sock,server=on,wait=off");
    assertThat(after(a, "-pidfile")).isEqualTo("/w/qemu.pid");
  }

  @Test
  void acceleratorDetectionOpensTheDevice(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assertThat(Accelerator.detect(dir.resolve("no-such-kvm"))).isEqualTo(Accelerator.TCG);
    Path openable = java.nio.file.Files.createFile(dir.resolve("kvm"));
    assertThat(Accelerator.detect(openable)).isEqualTo(Accelerator.KVM);
    assertThat(Accelerator.detect(dir))
        .as("a directory cannot be opened rw")
        .isEqualTo(Accelerator.TCG);
  }

  @Test
  void specValidation() {
    assertThatThrownBy(() -> spec().memoryMiB(8).build()).hasMessageContaining("memory");
    assertThatThrownBy(() -> spec().network(false).port(new PortForward(1, 2)).build())
        .hasMessageContaining("network");
    assertThat(PortForward.parse("8080:80")).isEqualTo(new PortForward(8080, 80));
    assertThat(PortForward.parse("22")).isEqualTo(new PortForward(22, 22));
    assertThatThrownBy(() -> PortForward.parse("x:80")).hasMessageContaining("HOST:GUEST");
    assertThatThrownBy(() -> PortForward.parse("1:70000")).hasMessageContaining("guest port");
    assertThat(DiskController.parse("VIRTIO_SCSI")).isEqualTo(DiskController.VIRTIO_SCSI);
    assertThatThrownBy(() -> DiskController.parse("sata"))
        .hasMessageContaining("virtio, nvme, virtio-scsi, ide");
  }
}
