package dev.unideploy.provider.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes the local provider's JSON records. A write goes to a temporary file that is
 * forced to disk and renamed over the old one, so a crash leaves either the old or the new record,
 * never half of one.
 */
final class JsonFiles {
  static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          // Records written by a newer unideploy may carry fields this one does not know.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private JsonFiles() {}

  static <T> T read(Path file, Class<T> type) {
    try {
      return JSON.readValue(file.toFile(), type);
    } catch (IOException e) {
      throw new UnideployException(
          "record "
              + file
              + " is unreadable: "
              + e.getMessage()
              + "; move it aside (unideploy will then no longer know that object)",
          e);
    }
  }

  static void write(Path file, Object value) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      StateFiles.createPrivateDirectories(file.getParent());
      byte[] bytes = JSON.writeValueAsBytes(value);
      Files.deleteIfExists(tmp);
      StateFiles.createPrivateFile(tmp);
      Files.write(tmp, bytes, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw FileMutex.ioFailure("write", file, e);
    }
  }
}
