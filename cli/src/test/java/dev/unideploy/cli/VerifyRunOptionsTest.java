package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.pipeline.qemu.PortForward;
import dev.unideploy.pipeline.qemu.ReadinessCheck;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Option parsing of {@code verify} and {@code run}; no QEMU is started. */
class VerifyRunOptionsTest {

  @Test
  void httpPortAndPath() {
    VerifyCommand.HttpConverter c = new VerifyCommand.HttpConverter();
    assertThat(c.convert("8080/health")).isEqualTo(new ReadinessCheck.Http(8080, "/health"));
    assertThat(c.convert("80")).isEqualTo(new ReadinessCheck.Http(80, "/"));
    assertThatThrownBy(() -> c.convert("http/x")).hasMessageContaining("--http");
    assertThatThrownBy(() -> c.convert("0/x")).hasMessageContaining("1-65535");
  }

  @Test
  void controllersAndMemoryAndPorts() {
    assertThat(new VerifyCommand.ControllerConverter().convert("virtio-scsi"))
        .isEqualTo(DiskController.VIRTIO_SCSI);
    assertThatThrownBy(() -> new VerifyCommand.ControllerConverter().convert("sata"))
        .hasMessageContaining("nvme");
    RunCommand.MemoryConverter m = new RunCommand.MemoryConverter();
    assertThat(m.convert("512")).isEqualTo(512);
    assertThat(m.convert("512M")).isEqualTo(512);
    assertThat(m.convert("2g")).isEqualTo(2048);
    assertThatThrownBy(() -> m.convert("8")).hasMessageContaining("16M");
    assertThatThrownBy(() -> m.convert("lots")).hasMessageContaining("512M");
    assertThat(new RunCommand.PortConverter().convert("8080:80"))
        .isEqualTo(new PortForward(8080, 80));
    assertThatThrownBy(() -> new RunCommand.PortConverter().convert("0:80"))
        .hasMessageContaining("host port 0");
  }

  @Test
  void verifyNeedsExactlyOneReadiness() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.newCommandLine();
    cl.setErr(new PrintWriter(err));
    assertThat(cl.execute("verify", "disk.raw")).isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("--ready").contains("--http").contains("--tcp");
    err.getBuffer().setLength(0);
    assertThat(cl.execute("verify", "disk.raw", "--ready", "x", "--tcp", "22"))
        .isEqualTo(ExitCodes.USAGE);
    assertThat(err.toString()).contains("mutually exclusive");
  }
}
