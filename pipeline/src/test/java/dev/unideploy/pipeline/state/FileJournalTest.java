package dev.unideploy.pipeline.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
  void aBatchIsWrittenAsOneLinePerEntryInOrder() throws Exception {
    Path file = dir.resolve("batch.jsonl");
    FileJournal j = FileJournal.open(file);
    j.append(new JournalEntry(Instant.EPOCH, "hash", "started", Map.of()));
    j.appendAll(
        List.of(
            new JournalEntry(Instant.EPOCH, "hash", "done", Map.of()),
            new JournalEntry(Instant.EPOCH, "upload", "started", Map.of())));

    assertThat(Files.readAllLines(file)).hasSize(3);
    assertThat(FileJournal.open(file).entries())
        .extracting(e -> e.step() + ":" + e.kind())
        .containsExactly("hash:started", "hash:done", "upload:started");
    assertThat(j.entries()).hasSize(3);
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

  /**
   * A crash can cut the last append at any byte. Whatever the cut, opening keeps exactly the
   * entries whose line was complete, and the next append lands on a line of its own: the journal
   * stays readable for every later run.
   */
  @Test
  void aJournalTornAtEveryByteOffsetHealsAndKeepsAppending() throws Exception {
    Path whole = dir.resolve("whole.jsonl");
    FileJournal j = FileJournal.open(whole);
    j.append(new JournalEntry(Instant.EPOCH, "hash", "done", Map.of("sha", "ab")));
    j.append(new JournalEntry(Instant.EPOCH, "upload", "blocks", Map.of("acked", 64, "ü", "é")));
    j.append(new JournalEntry(Instant.EPOCH, "register", "done", Map.of("id", "ami-1")));
    byte[] bytes = Files.readAllBytes(whole);
    List<Integer> lineEnds = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lineEnds.add(i + 1);
      }
    }
    for (int cut = 0; cut <= bytes.length; cut++) {
      Path torn = dir.resolve("torn-" + cut + ".jsonl");
      Files.write(torn, Arrays.copyOf(bytes, cut));
      int length = cut;
      int complete = (int) lineEnds.stream().filter(e -> e <= length).count();
      int lastEnd = complete == 0 ? 0 : lineEnds.get(complete - 1);

      FileJournal opened = FileJournal.open(torn);
      assertThat(opened.entries()).as("cut at %d", cut).hasSize(complete);
      assertThat(opened.healedBytes()).as("cut at %d", cut).isEqualTo(cut - lastEnd);
      opened.append(new JournalEntry(Instant.EPOCH, "next", "started", Map.of()));

      List<JournalEntry> again = FileJournal.open(torn).entries();
      assertThat(again).as("cut at %d", cut).hasSize(complete + 1);
      assertThat(again.get(complete).step()).isEqualTo("next");
    }
  }

  @Test
  void journalsAndTheirFoldersAreOwnerOnly() throws Exception {
    Path file = dir.resolve("state/journal/app.jsonl");
    FileJournal.open(file).append(new JournalEntry(Instant.EPOCH, "s", "k", Map.of()));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file.getParent().getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void secondLockOnTheSameAppIsRefusedNamingTheHolder() throws Exception {
    LockOwner me = LockOwner.current(Instant.parse("2026-12-06T10:00:00Z"));
    try (DeploymentLock first = DeploymentLock.acquire(dir, "hello", me, false)) {
      assertThatThrownBy(() -> DeploymentLock.acquire(dir, "hello", me, false))
          .isInstanceOf(UnideployException.class)
          .hasMessageContaining("another unideploy run for app 'hello'")
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("2026-12-06T10:00:00Z");
      // Another app is independent.
      DeploymentLock.acquire(dir, "other", me, false).close();
    }
    DeploymentLock.acquire(dir, "hello", me, false).close();
  }
}
