package dev.unideploy.pipeline.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Follows a guest's serial log file as QEMU writes it, and splits it into lines.
 *
 * <p>Call {@link #poll()} to pick up new output. Bytes are decoded as ISO-8859-1 (a guest may print
 * anything; one byte is one character, so a line never breaks mid-character), carriage returns and
 * other control characters except tab are dropped. The last {@code keep} lines are kept for {@link
 * #tail(int)}; the file itself keeps everything.
 */
public final class SerialConsole {
  private static final int DEFAULT_KEEP = 500;

  private final Path file;
  private final int keep;
  private final Deque<String> lines = new ArrayDeque<>();
  private final StringBuilder partial = new StringBuilder();
  private long offset;
  private int escape; // 0 text, 1 after ESC, 2 inside a CSI sequence
  private long totalBytes;

  public SerialConsole(Path file) {
    this(file, DEFAULT_KEEP);
  }

  public SerialConsole(Path file, int keep) {
    this.file = file;
    this.keep = keep;
  }

  /** A console fed with text read elsewhere (a cloud's console API), see {@link #feed}. */
  public static SerialConsole fed() {
    return new SerialConsole(null, DEFAULT_KEEP);
  }

  /** The log file QEMU writes COM1 to (null for a {@linkplain #fed() fed} console). */
  public Path file() {
    return file;
  }

  /** Reads what the guest printed since the last call and returns the newly completed lines. */
  public synchronized List<String> poll() {
    List<String> completed = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() < offset) {
        offset = 0; // Truncated (QEMU restarted on the same file): start over.
      }
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      int n;
      while ((n = ch.read(buf, offset)) > 0) {
        offset += n;
        totalBytes += n;
        buf.flip();
        accept(buf, completed);
        buf.clear();
      }
    } catch (NoSuchFileException e) {
      return completed; // QEMU has not created it yet.
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read serial log " + file, e);
    }
    return completed;
  }

  /** Feeds recorded console text (tests, or output captured elsewhere). */
  public synchronized List<String> feed(String text) {
    List<String> completed = new ArrayList<>();
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    totalBytes += bytes.length;
    accept(ByteBuffer.wrap(bytes), completed);
    return completed;
  }

  private void accept(ByteBuffer buf, List<String> completed) {
    while (buf.hasRemaining()) {
      int b = buf.get() & 0xff;
      // ANSI escape sequences (firmware like OVMF paints its screen with them): ESC [ params
      // final, or ESC and one character; dropped so that patterns see the text only.
      if (escape == 1) {
        escape = b == '[' ? 2 : 0;
        continue;
      }
      if (escape == 2) {
        if (b >= 0x40 && b <= 0x7e) {
          escape = 0;
        }
        continue;
      }
      if (b == 0x1b) {
        escape = 1;
        continue;
      }
      if (b == '\n') {
        String line = partial.toString();
        partial.setLength(0);
        completed.add(line);
        lines.addLast(line);
        while (lines.size() > keep) {
          lines.removeFirst();
        }
      } else if (b == '\t' || (b >= 0x20 && b < 0x7f) || b >= 0xa0) {
        // C0 and C1 controls (0x9b is a one-byte CSI on many terminals) are dropped, so a
        // guest's console can never drive the user's terminal or a CI log viewer.
        partial.append((char) b);
      }
    }
  }

  /** The line being printed now (no newline yet), possibly empty. */
  public synchronized String partialLine() {
    return partial.toString();
  }

  /** The last {@code n} lines, including an unfinished last line. */
  public synchronized List<String> tail(int n) {
    List<String> all = new ArrayList<>(lines);
    if (partial.length() > 0) {
      all.add(partial.toString());
    }
    return List.copyOf(all.subList(Math.max(0, all.size() - n), all.size()));
  }

  /** How many bytes the guest has printed so far (0: silent). */
  public synchronized long totalBytes() {
    return totalBytes;
  }
}
