package dev.unideploy.it.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code unideploy verify} and {@code unideploy run}, as a user runs them (a separate JVM). */
class CliVerifyRunTest {
  @TempDir static Path dir;
  static Path sample;

  @BeforeAll
  static void image() throws Exception {
    sample = BootImages.sample(dir);
  }

  private static ProcessBuilder unideploy(String... args) {
    List<String> cmd = new ArrayList<>();
    // A test run started in the background (nohup, CI wrappers, `cmd &`) inherits SIGINT as
    // ignored, and a JVM started that way never sees Ctrl-C: give the child the default again,
    // as a terminal would (coreutils env(1), --default-signal).
    cmd.addAll(List.of("env", "--default-signal=INT"));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.unideploy.cli.Main");
    cmd.addAll(List.of(args));
    if (BootImages.accelerator() != null && (args[0].equals("verify") || args[0].equals("run"))) {
      cmd.add("--accel");
      cmd.add(BootImages.accelerator().name().toLowerCase(java.util.Locale.ROOT));
    }
    return new ProcessBuilder(cmd);
  }

  @Test
  void verifyJsonOnSuccessAndFailure() throws Exception {
    Process p =
        unideploy(
                "verify",
                sample.toString(),
                "--ready",
                "READY sample",
                "--controller",
                "nvme",
                "--output",
                "json")
            .redirectError(dir.resolve("verify-ok.err").toFile())
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out + Files.readString(dir.resolve("verify-ok.err"))).isZero();
    JsonNode doc = new ObjectMapper().readTree(out);
    assertThat(doc.get("ok").asBoolean()).isTrue();
    assertThat(doc.get("controller").asText()).isEqualTo("nvme");
    assertThat(doc.get("format").asText()).isEqualTo("raw");
    assertThat(doc.get("bootSeconds").asDouble()).isPositive();
    assertThat(doc.get("accelerator").asText()).isIn("kvm", "tcg");

    // No guest network stack: a TCP probe must not be fooled by QEMU's own listening socket.
    Process f =
        unideploy(
                "verify",
                sample.toString(),
                "--tcp",
                "8080",
                "--timeout",
                "8",
                "--keep-logs",
                dir.resolve("verify-tcp").toString())
            .redirectError(dir.resolve("verify-tcp.err").toFile())
            .start();
    String text = new String(f.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(f.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(f.exitValue()).isEqualTo(1);
    assertThat(text)
        .contains("FAILED")
        .contains("TCP connect to guest port 8080 never succeeded")
        .contains("| READY sample-unikernel v1");
    assertThat(dir.resolve("verify-tcp").resolve("serial.log")).exists();
  }

  @Test
  void verifyBootsAGceTarballThroughItsDiskRaw() throws Exception {
    Path tar =
        BootImages.unideploy(
            sample, dir.resolve("sample.tar.gz"), dev.unideploy.image.TargetFormat.GCE_TARBALL);
    String before = BootImages.sha256(tar);
    Process p =
        unideploy(
                "verify",
                tar.toString(),
                "--ready",
                "READY sample",
                "--controller",
                "virtio-scsi",
                "--output",
                "json")
            .redirectError(dir.resolve("verify-gce.err").toFile())
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out + Files.readString(dir.resolve("verify-gce.err"))).isZero();
    JsonNode doc = new ObjectMapper().readTree(out);
    assertThat(doc.get("ok").asBoolean()).isTrue();
    assertThat(doc.get("format").asText()).isEqualTo("gce-tar");
    assertThat(Files.readString(dir.resolve("verify-gce.err")))
        .contains("extracted disk.raw from GCE tarball");
    assertThat(BootImages.sha256(tar)).isEqualTo(before);
  }

  @Test
  void verifyWithoutReadinessIsAUsageError() throws Exception {
    Process p = unideploy("verify", sample.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("--ready").contains("--http").contains("--tcp");
  }

  @Test
  void runShowsTheConsoleAndCtrlCStopsQemuWith130() throws Exception {
    int hostPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      hostPort = s.getLocalPort();
    }
    Process p =
        unideploy("run", sample.toString(), "--port", hostPort + ":80", "-m", "128M")
            .redirectError(dir.resolve("run.err").toFile())
            .start();
    List<String> seen = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
      String line;
      while ((line = r.readLine()) != null) {
        seen.add(line);
        if (line.contains("READY sample-unikernel")) {
          break;
        }
      }
      assertThat(seen)
          .as(Files.readString(dir.resolve("run.err")))
          .anyMatch(l -> l.contains("READY sample-unikernel v1"));
      List<ProcessHandle> qemus =
          p.descendants().filter(h -> h.info().command().orElse("").contains("qemu")).toList();
      assertThat(qemus).hasSize(1);
      // What the terminal's Ctrl-C does to the JVM (QEMU, in the same process group at a real
      // terminal, would get it too; here only the JVM does, so its shutdown hook must act).
      new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(130);
      for (ProcessHandle q : qemus) {
        q.onExit().get(10, TimeUnit.SECONDS);
        assertThat(q.isAlive()).isFalse();
      }
    } catch (IOException | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
  }
}
