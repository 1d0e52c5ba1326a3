package dev.unideploy.pipeline.journal;

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
 * A journal kept as JSON lines in one file, each append forced to disk before it returns. A line
 * cut short by a crash is ignored on reading (it was never acknowledged to the caller).
 */
public final class FileJournal implements Journal {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Path file;
  private final List<JournalEntry> entries = new ArrayList<>();

  private FileJournal(Path file) {
    this.file = file;
  }

  /** Opens (creating if needed) the journal at {@code file} and reads what it holds. */
  public static FileJournal open(Path file) {
    FileJournal journal = new FileJournal(file);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (Files.exists(file)) {
        journal.load();
      }
    } catch (IOException e) {
      throw new UnideployException(
          "could not open the journal "
              + file
              + ": "
              + e.getMessage()
              + "; check the folder is writable or set --state-dir",
          e);
    }
    return journal;
  }

  public Path file() {
    return file;
  }

  private void load() throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        entries.add(JSON.readValue(line, JournalEntry.class));
      } catch (JsonProcessingException e) {
        if (i == lines.size() - 1) {
          // A torn last line: the write that made it never returned, so nobody relied on it.
          continue;
        }
        throw new UnideployException(
            "journal "
                + file
                + " is damaged at line "
                + (i + 1)
                + ": "
                + e.getOriginalMessage()
                + "; move it aside to start this deployment afresh",
            e);
      }
    }
  }

  @Override
  public synchronized void append(JournalEntry entry) {
    byte[] line;
    try {
      line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("journal entry is not serialisable: " + e, e);
    }
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    } catch (IOException e) {
      throw new UncheckedIOException("could not append to the journal " + file, e);
    }
    entries.add(entry);
  }

  @Override
  public synchronized List<JournalEntry> entries() {
    return List.copyOf(entries);
  }
}
