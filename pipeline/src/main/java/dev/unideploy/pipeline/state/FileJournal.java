package dev.unideploy.pipeline.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A journal kept as JSON lines in one file, each append forced to disk before it returns. An entry
 * is complete only with its newline: bytes after the last newline are a write that a crash cut
 * short (it never returned, so nobody relied on it), and opening the journal cuts them off, so the
 * next append starts on a line of its own.
 */
public final class FileJournal implements Journal {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Path file;
  private final List<JournalEntry> entries = new ArrayList<>();
  private long healedBytes;

  private FileJournal(Path file) {
    this.file = file;
  }

  /** Opens (creating if needed, owner-only) the journal at {@code file} and reads what it holds. */
  public static FileJournal open(Path file) {
    FileJournal journal = new FileJournal(file);
    try {
      StateFiles.createPrivateDirectories(file.toAbsolutePath().getParent());
      StateFiles.createPrivateFile(file);
      journal.load();
    } catch (IOException e) {
      throw new UnideployException(
          "could not open the journal "
              + file
              + ": "
              + e.getMessage()
              + "; check the folder is writable or set --state",
          e);
    }
    return journal;
  }

  /**
   * The complete entries of the journal at {@code file} without changing it: a torn last line is
   * skipped, not cut off (its writer may still be appending). A missing file has no entries.
   */
  public static List<JournalEntry> read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UnideployException(
          "could not read the journal " + file + ": " + e.getMessage() + "; check permissions", e);
    }
    FileJournal journal = new FileJournal(file);
    journal.parse(bytes, complete(bytes));
    return List.copyOf(journal.entries);
  }

  private static int complete(byte[] bytes) {
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    return end;
  }

  public Path file() {
    return file;
  }

  /** How many bytes of a torn last entry opening cut off (0 when the file was whole). */
  public long healedBytes() {
    return healedBytes;
  }

  private void load() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int end = complete(bytes);
    if (end < bytes.length) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(end);
        ch.force(true);
      }
      healedBytes = bytes.length - end;
    }
    parse(bytes, end);
  }

  private void parse(byte[] bytes, int end) {
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      try {
        entries.add(JSON.readValue(line, JournalEntry.class));
      } catch (JsonProcessingException e) {
        throw new UnideployException(
            "journal "
                + file
                + " is damaged at line "
                + (i + 1)
                + " (not a torn last write: a complete line that does not parse): "
                + e.getOriginalMessage()
                + "; move it aside to start this deployment afresh",
            e);
      }
    }
  }

  @Override
  public void append(JournalEntry entry) {
    appendAll(List.of(entry));
  }

  /** Writes the entries' lines with one write and one flush to disk. */
  @Override
  public synchronized void appendAll(List<JournalEntry> batch) {
    StringBuilder lines = new StringBuilder();
    try {
      for (JournalEntry entry : batch) {
        lines.append(JSON.writeValueAsString(entry)).append('\n');
      }
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("journal entry is not serialisable: " + e, e);
    }
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("could not append to the journal " + file, e);
    }
    entries.addAll(batch);
  }

  @Override
  public List<String> openNotices() {
    if (healedBytes == 0) {
      return List.of();
    }
    return List.of(
        "the last entry of "
            + file
            + " was cut short by a crash ("
            + healedBytes
            + " bytes); it was dropped and the step it recorded will run again");
  }

  @Override
  public synchronized List<JournalEntry> entries() {
    return List.copyOf(entries);
  }
}
