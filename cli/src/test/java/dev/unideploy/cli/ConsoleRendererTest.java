package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleRendererTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final AtomicLong now = new AtomicLong();

  private ConsoleRenderer renderer(boolean tty, boolean color) {
    return new ConsoleRenderer(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), tty, color, false, now::get);
  }

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainModePrintsATenthAtATimeWithoutCarriageReturns() {
    ConsoleRenderer r = renderer(false, true);
    for (int i = 0; i <= 1000; i++) {
      now.addAndGet(1_000_000); // 1 ms per event: never the 5 s heartbeat
      r.emit(ProgressEvent.of("upload", i * 1024L, 1000 * 1024L, ProgressEvent.Unit.BYTES));
    }
    String out = text();
    assertThat(out).doesNotContain("\r").doesNotContain("\u001b[");
    long lines = out.lines().count();
    assertThat(lines).isBetween(10L, 12L);
    assertThat(out).contains("100%").contains("done in");
  }

  @Test
  void plainModeAddsAHeartbeatForSlowTasksWithoutTotal() {
    ConsoleRenderer r = renderer(false, false);
    r.emit(ProgressEvent.of("wait", 1, -1, ProgressEvent.Unit.SECONDS));
    now.addAndGet(6_000_000_000L);
    r.emit(ProgressEvent.of("wait", 7, -1, ProgressEvent.Unit.SECONDS));
    r.emit(ProgressEvent.of("wait", 8, -1, ProgressEvent.Unit.SECONDS));
    assertThat(text().lines().count()).isEqualTo(2);
  }

  @Test
  void terminalModeRedrawsOneLineAndHonoursNoColor() {
    ConsoleRenderer r = renderer(true, false);
    r.emit(ProgressEvent.of("convert", 5, 10, ProgressEvent.Unit.BYTES));
    r.emit(LogEvent.warn("convert", "slow disk"));
    String out = text();
    assertThat(out).contains("\r").contains("[===============               ]");
    assertThat(out).contains("warning: slow disk").doesNotContain("\u001b[33m");
  }

  @Test
  void debugLinesOnlyWhenVerbose() {
    renderer(false, false).emit(LogEvent.debug("s", "internal detail"));
    assertThat(text()).isEmpty();
  }
}
