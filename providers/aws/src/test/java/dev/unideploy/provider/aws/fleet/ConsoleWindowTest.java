package dev.unideploy.provider.aws.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConsoleWindowTest {
  /** A console of numbered lines, so that no two stretches of it look alike. */
  private static byte[] console(int bytes) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; b.length() < bytes; i++) {
      b.append("[").append(i).append("] booting step ").append(i * 7).append('\n');
    }
    return Arrays.copyOf(b.toString().getBytes(StandardCharsets.US_ASCII), bytes);
  }

  /** What EC2 answers when the console holds {@code printed} bytes of {@code all}. */
  private static byte[] answer(byte[] all, int printed) {
    return Arrays.copyOfRange(all, Math.max(0, printed - ConsoleWindow.LIMIT), printed);
  }

  @Test
  void followsTheWholeConsoleAcrossTheSixtyFourKibWindow() {
    byte[] all = console(300_000);
    ConsoleWindow w = new ConsoleWindow();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    long next = 0;
    for (int printed = 1000; printed <= all.length; printed += 9_999) {
      ConsoleWindow.Placed p = w.place(answer(all, printed));
      assertThat(p.end()).isEqualTo(printed);
      byte[] chunk = p.from(next);
      seen.writeBytes(chunk);
      next = p.end();
    }
    assertThat(seen.toByteArray()).isEqualTo(Arrays.copyOf(all, (int) next));
  }

  @Test
  void anUnchangedFullWindowAddsNothing() {
    byte[] all = console(100_000);
    ConsoleWindow w = new ConsoleWindow();
    long end = w.place(answer(all, 90_000)).end();
    ConsoleWindow.Placed again = w.place(answer(all, 90_000));
    assertThat(again.end()).isEqualTo(end);
    assertThat(again.from(end)).isEmpty();
  }

  @Test
  void moreThanAWindowBetweenTwoReadsLosesTheGapAndKeepsGoing() {
    byte[] all = console(400_000);
    ConsoleWindow w = new ConsoleWindow();
    long end = w.place(answer(all, 70_000)).end();
    ConsoleWindow.Placed p = w.place(answer(all, 300_000));
    // No overlap: the new window follows the old one; the bytes in between are gone, as on EC2.
    assertThat(p.start()).isEqualTo(end);
    assertThat(p.from(end)).isEqualTo(answer(all, 300_000));
  }

  @Test
  void aShortAnswerIsTheConsoleFromItsFirstByte() {
    byte[] all = console(5_000);
    ConsoleWindow w = new ConsoleWindow();
    assertThat(w.place(answer(all, 2_000)).start()).isZero();
    ConsoleWindow.Placed p = w.place(answer(all, 5_000));
    assertThat(p.start()).isZero();
    assertThat(new String(p.from(2_000), StandardCharsets.US_ASCII))
        .isEqualTo(new String(all, 2_000, 3_000, StandardCharsets.US_ASCII));
  }
}
