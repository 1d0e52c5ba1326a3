package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.unideploy.pipeline.spi.GroupHealth.InstanceHealth;
import dev.unideploy.pipeline.spi.GroupHealth.InstanceHealth.State;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health judged on a stand-in process (sleep) and local sockets: no QEMU needed. */
class InstanceHealthCheckTest {
  @TempDir Path tmp;
  private Process process;

  @AfterEach
  void kill() throws Exception {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private InstanceRecord running(int hostPort) throws Exception {
    process = new ProcessBuilder("sleep", "60").start();
    ProcessIdentity id = ProcessIdentity.of(process.pid()).orElseThrow();
    return new InstanceRecord(
        "web-v001-0",
        id.pid(),
        id.startTime(),
        Instant.now(),
        List.of(new InstanceRecord.Port(hostPort, 8080)),
        tmp.toString(),
        tmp.resolve("serial.log").toString(),
        tmp.resolve("qemu.log").toString(),
        "tcg",
        null);
  }

  private static GroupRecord group(Readiness r, int timeout) {
    return new GroupRecord(
        "web-v001",
        "web",
        "id",
        "sha",
        "/x.raw",
        Instant.now(),
        false,
        List.of(8080),
        r,
        128,
        timeout,
        "tcg",
        1,
        List.of());
  }

  @Test
  void serialReadinessGoesFromStartingToHealthy() throws Exception {
    InstanceRecord i = running(0);
    GroupRecord g = group(new Readiness("READY on port \\d+", null, null, null), 60);
    InstanceHealthCheck check = new InstanceHealthCheck(Clock.systemUTC());
    Files.writeString(tmp.resolve("serial.log"), "SeaBIOS\nbooting\n");
    InstanceHealth h = check.check(g, i);
    assertThat(h.state()).isEqualTo(State.STARTING);
    assertThat(h.reason()).contains("last line: booting");

    Files.writeString(tmp.resolve("serial.log"), "SeaBIOS\nbooting\nREADY on port 80\n");
    h = check.check(g, i);
    assertThat(h.state()).isEqualTo(State.HEALTHY);
    assertThat(h.reason()).contains("READY on port 80");
  }

  @Test
  void aKilledProcessIsReportedUnhealthyWithItsLogs() throws Exception {
    InstanceRecord i = running(0);
    GroupRecord g = group(Readiness.NONE, 60);
    InstanceHealthCheck check = new InstanceHealthCheck(Clock.systemUTC());
    assertThat(check.check(g, i).state()).isEqualTo(State.HEALTHY);

    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);

    InstanceHealth h = check.check(g, i);
    assertThat(h.state()).isEqualTo(State.UNHEALTHY);
    assertThat(h.reason()).contains("no longer running").contains(i.serialLog());
  }

  @Test
  void notReadyPastTheBootTimeoutIsUnhealthy() throws Exception {
    InstanceRecord i = running(0);
    GroupRecord g = group(new Readiness("NEVER", null, null, null), 30);
    Clock later = Clock.fixed(i.startedAt().plusSeconds(31), ZoneOffset.UTC);
    InstanceHealth h = new InstanceHealthCheck(later).check(g, i);
    assertThat(h.state()).isEqualTo(State.UNHEALTHY);
    assertThat(h.reason()).contains("boot timeout 30 s");
  }

  @Test
  void httpProbeNeedsA2xxOr3xxAnswer() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/health",
        ex -> {
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    server.start();
    try {
      int port = server.getAddress().getPort();
      InstanceRecord i = running(port);
      InstanceHealthCheck check = new InstanceHealthCheck(Clock.systemUTC());
      assertThat(check.check(group(new Readiness(null, "/health", null, 8080), 60), i).state())
          .isEqualTo(State.HEALTHY);
      InstanceHealth missing = check.check(group(new Readiness(null, "/nope", null, 8080), 60), i);
      assertThat(missing.state()).isEqualTo(State.STARTING);
      assertThat(missing.reason()).contains("HTTP 404");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aPanicLineOnTheConsoleMakesTheInstanceUnhealthy() throws Exception {
    InstanceRecord i = running(0);
    GroupRecord g = group(new Readiness("READY", null, null, null), 60);
    Files.writeString(tmp.resolve("serial.log"), "READY\nKernel panic - not syncing: oops\n");
    InstanceHealth h = new InstanceHealthCheck(Clock.systemUTC()).check(g, i);
    assertThat(h.state()).isEqualTo(State.UNHEALTHY);
    assertThat(h.reason()).contains("panic line").contains("Kernel panic");
  }

  @Test
  void tcpProbeWithoutARunningQemuSaysSo() throws Exception {
    InstanceRecord i = running(0);
    GroupRecord g = group(new Readiness(null, null, true, 8080), 60);
    InstanceHealth h = new InstanceHealthCheck(Clock.systemUTC()).check(g, i);
    assertThat(h.state()).isEqualTo(State.STARTING);
    assertThat(h.reason()).contains("tcp guest port 8080: QEMU is not running");
  }
}
