package dev.unideploy.pipeline.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileJournalTest {
  @TempDir Path dir;

  @Test
  void entriesSurviveReopening() {
    Path file = dir.resolve("j/app.jsonl");
    FileJournal j = FileJournal.open(file);
    j.append(new JournalEntry(Instant.parse("2026-01-01T00:00:00Z"), "upload", "started", null));
    j.append(
        new JournalEntry(
            Instant.parse("2026-01-01T00:00:01Z"), "upload", "blocks", Map.of("acked", 64)));

    FileJournal reopened = FileJournal.open(file);

    assertThat(reopened.entries()).hasSize(2);
    assertThat(reopened.last("upload", "blocks").orElseThrow().data()).containsEntry("acked", 64);
    assertThat(reopened.entries("register")).isEmpty();
  }

  @Test
  void tornLastLineIsIgnored() throws Exception {
    Path file = dir.resolve("app.jsonl");
    FileJournal.open(file)
        .append(new JournalEntry(Instant.EPOCH, "hash", "done", Map.of("sha", "ab")));
    Files.writeString(file, "{\"at\":\"1970-01-01T00:00:00Z\",\"st", StandardOpenOption.APPEND);

    assertThat(FileJournal.open(file).entries()).hasSize(1);
  }

  @Test
  void damagedMiddleLineIsAClearError() throws Exception {
    Path file = dir.resolve("app.jsonl");
    Files.writeString(
        file,
        "garbage\n{\"at\":\"1970-01-01T00:00:00Z\",\"step\":\"s\",\"kind\":\"k\",\"data\":{}}\n",
        StandardCharsets.UTF_8);

    assertThatThrownBy(() -> FileJournal.open(file))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("line 1")
        .hasMessageContaining("move it aside");
  }

  @Test
  void secondLockOnTheSameAppIsRefused() throws Exception {
    try (DeploymentLock first = DeploymentLock.acquire(dir, "hello")) {
      assertThatThrownBy(() -> DeploymentLock.acquire(dir, "hello"))
          .isInstanceOf(UnideployException.class)
          .hasMessageContaining("another unideploy run for app 'hello'");
      // Another app is independent.
      DeploymentLock.acquire(dir, "other").close();
    }
    DeploymentLock.acquire(dir, "hello").close();
  }
}
