package dev.unideploy.pipeline.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Readiness, panic and reset detection on recorded console text and recorded QMP traffic. */
class ConsoleMatcherTest {

  private static final String SAMPLE_BOOT =
      "unideploy sample: stage 1 loaded, reading stage 2 with int 13h\r\n"
          + "unideploy sample unikernel v1 (legacy BIOS, 16-bit real mode)\r\n"
          + "disk check ok (LBA 2048 and LBA 131008)\r\n"
          + "READY sample-unikernel v1\r\n"
          + "heartbeat 1\r\n";

  @Test
  void readyLineIsFoundInRecordedBoot() {
    ConsoleMatcher m = ConsoleMatcher.ready("READY sample-unikernel");
    SerialConsole c = new SerialConsole(path("unused"));
    List<String> lines = c.feed(SAMPLE_BOOT);
    assertThat(lines).hasSize(5);
    assertThat(lines.stream().map(m::classify).toList())
        .containsExactly(
            ConsoleMatcher.Verdict.NONE,
            ConsoleMatcher.Verdict.NONE,
            ConsoleMatcher.Verdict.NONE,
            ConsoleMatcher.Verdict.READY,
            ConsoleMatcher.Verdict.NONE);
  }

  @Test
  void panicsOfCommonKernelsAreRecognised() {
    ConsoleMatcher m = ConsoleMatcher.ready("READY");
    for (String line :
        List.of(
            "[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs",
            "panic: runtime error: invalid memory address or nil pointer dereference",
            "[0.123] panic: assertion failed",
            "PANIC: disk check failed",
            "Assertion failed: (x != NULL), function main, file main.c, line 3.",
            "Boot failed: not a bootable disk",
            "UEFI Interactive Shell v2.2")) {
      assertThat(m.classify(line)).as(line).isEqualTo(ConsoleMatcher.Verdict.PANIC);
    }
  }

  @Test
  void harmlessMentionsOfPanicAreNotFailures() {
    ConsoleMatcher m = ConsoleMatcher.ready("READY");
    for (String line :
        List.of(
            "panic_on_oops=0",
            "configuring don't-panic mode",
            "registered panic notifier",
            "heartbeat 3")) {
      assertThat(m.classify(line)).as(line).isEqualTo(ConsoleMatcher.Verdict.NONE);
    }
  }

  @Test
  void panicBeatsReadyOnTheSameLine() {
    assertThat(ConsoleMatcher.ready("READY").classify("PANIC before READY"))
        .isEqualTo(ConsoleMatcher.Verdict.PANIC);
  }

  @Test
  void customPanicPatternsReplaceTheDefaults() {
    ConsoleMatcher m =
        ConsoleMatcher.ready("up").withPanicPatterns(List.of(Pattern.compile("^oops")));
    assertThat(m.classify("oops: bad")).isEqualTo(ConsoleMatcher.Verdict.PANIC);
    assertThat(m.classify("Kernel panic")).isEqualTo(ConsoleMatcher.Verdict.NONE);
  }

  @Test
  void consoleSplitsLinesAcrossChunksAndStripsControlsAndAnsi() {
    SerialConsole c = new SerialConsole(path("unused"), 3);
    assertThat(c.feed("hel")).isEmpty();
    assertThat(c.partialLine()).isEqualTo("hel");
    assertThat(c.feed("lo\r\n\u001b[2J\u001b[01;01H\u001b[1m\u001b[33mShell> \u001b[0mok\r\nx"))
        .containsExactly("hello", "Shell> ok");
    assertThat(c.tail(10)).containsExactly("hello", "Shell> ok", "x");
    c.feed("\n1\n2\n3\n");
    assertThat(c.tail(10)).containsExactly("1", "2", "3");
    assertThat(c.totalBytes()).isGreaterThan(0);
  }

  @Test
  void recordedQmpEventsGiveTheShutdownReason() {
    List<QmpChannel.Event> reset =
        events(
            "{\"timestamp\": {\"seconds\": 1764441600, \"microseconds\": 1}, \"event\": \"RESET\","
                + " \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}",
            "{\"timestamp\": {\"seconds\": 1764441600, \"microseconds\": 2}, \"event\":"
                + " \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}");
    assertThat(QmpChannel.shutdownReason(reset)).contains(ShutdownReason.GUEST_RESET);
    assertThat(
            QmpChannel.shutdownReason(
                events(
                    "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\":"
                        + " \"guest-shutdown\"}}")))
        .contains(ShutdownReason.GUEST_SHUTDOWN);
    assertThat(
            QmpChannel.shutdownReason(
                events(
                    "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\":"
                        + " \"host-qmp-quit\"}}")))
        .contains(ShutdownReason.HOST);
    assertThat(QmpChannel.shutdownReason(events("{\"return\": {}}", "not json"))).isEmpty();
  }

  @Test
  void exitIsJudgedByItsReason() {
    SerialConsole c = new SerialConsole(path("unused"));
    c.feed("triple-fault test image: loading an empty IDT\r\n");
    BootOutcome reset =
        BootWatcher.judgeExit(
            Optional.of(ShutdownReason.GUEST_RESET),
            OptionalInt.of(0),
            Duration.ofMillis(300),
            c,
            null);
    assertThat(reset.status()).isEqualTo(BootOutcome.Status.RESET);
    assertThat(reset.describe())
        .contains("reset the machine")
        .contains("| triple-fault test image: loading an empty IDT");
    assertThat(
            BootWatcher.judgeExit(
                    Optional.of(ShutdownReason.GUEST_SHUTDOWN),
                    OptionalInt.of(0),
                    Duration.ZERO,
                    c,
                    null)
                .status())
        .isEqualTo(BootOutcome.Status.SHUTDOWN);
    BootOutcome crash =
        BootWatcher.judgeExit(Optional.empty(), OptionalInt.of(1), Duration.ZERO, c, null);
    assertThat(crash.status()).isEqualTo(BootOutcome.Status.EXITED);
    assertThat(crash.detail()).contains("code 1");
  }

  @Test
  void aPanicLineDecidesTheBootWithTheTail() {
    SerialConsole c = new SerialConsole(path("unused"));
    BootWatcher w = new BootWatcher(ConsoleMatcher.ready("READY"));
    List<String> lines = c.feed("booting\r\nKernel panic - not syncing: test\r\n");
    assertThat(w.judgeLine(lines.get(0), Duration.ZERO, c)).isNull();
    BootOutcome o = w.judgeLine(lines.get(1), Duration.ofSeconds(1), c);
    assertThat(o.status()).isEqualTo(BootOutcome.Status.PANIC);
    assertThat(o.consoleTail()).containsExactly("booting", "Kernel panic - not syncing: test");
  }

  @Test
  void usernetTableShowsWhetherTheGuestAccepted() {
    String synSent =
        "Hub -1 (net0):\n"
            + "  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\n"
            + "  TCP[SYN_SENT]      15       127.0.0.1 38539       10.0.2.15  8080     0     0\n"
            + "  TCP[HOST_FORWARD]   9       127.0.0.1 38539       10.0.2.15  8080     0     0\n";
    assertThat(NetworkProbe.guestEstablished(synSent, 38539)).isFalse();
    String established = synSent.replace("SYN_SENT]   ", "ESTABLISHED]");
    assertThat(NetworkProbe.guestEstablished(established, 38539)).isTrue();
    assertThat(NetworkProbe.guestEstablished(established, 1234)).isFalse();
    assertThat(NetworkProbe.statusOf("HTTP/1.1 204 No Content")).contains(204);
    assertThat(NetworkProbe.statusOf("SSH-2.0-OpenSSH")).isEmpty();
  }

  private static List<QmpChannel.Event> events(String... lines) {
    return java.util.Arrays.stream(lines)
        .map(QmpChannel::parseEvent)
        .flatMap(Optional::stream)
        .toList();
  }

  private static java.nio.file.Path path(String p) {
    return java.nio.file.Path.of(p);
  }
}
