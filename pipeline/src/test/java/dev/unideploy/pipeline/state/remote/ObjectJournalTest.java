package dev.unideploy.pipeline.state.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.JournalEntry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ObjectJournalTest {
  private static final String FOLDER = "team/journal/web-aws/";
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final MemoryObjectStore store = new MemoryObjectStore(clock);

  private static JournalEntry entry(String step, String kind, Object n) {
    return new JournalEntry(Instant.parse("2026-12-01T10:00:00Z"), step, kind, Map.of("n", n));
  }

  private ObjectJournal open() {
    return ObjectJournal.open(store, FOLDER, "web-aws");
  }

  @Test
  void entriesSurviveReopeningInOrder() {
    ObjectJournal j = open();
    j.append(entry("hash", "started", 1));
    j.append(entry("hash", "done", 2));
    j.appendAll(List.of(entry("upload", "started", 3), entry("upload", "blocks", 4)));

    ObjectJournal reopened = open();

    assertThat(reopened.entries()).extracting(e -> e.data().get("n")).containsExactly(1, 2, 3, 4);
    assertThat(reopened.last("upload", "blocks")).isPresent();
    assertThat(store.list(FOLDER))
        .containsExactly(
            FOLDER + "e-000000000001.json",
            FOLDER + "e-000000000002.json",
            FOLDER + "e-000000000003.json");
  }

  @Test
  void twentyConcurrentWritersLoseNothingAndEveryReaderSeesOneOrder() throws Exception {
    int writers = 20;
    int each = 15;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    CyclicBarrier start = new CyclicBarrier(writers);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      done.add(
          pool.submit(
              () -> {
                ObjectJournal j = open();
                start.await();
                for (int i = 0; i < each; i++) {
                  j.append(entry("w" + writer, "append", i));
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();

    List<JournalEntry> all = open().entries();
    assertThat(all).hasSize(writers * each);
    Set<String> seen = new HashSet<>();
    for (JournalEntry e : all) {
      assertThat(seen.add(e.step() + "/" + e.data().get("n"))).as("duplicate %s", e).isTrue();
    }
    for (int w = 0; w < writers; w++) {
      assertThat(open().entries("w" + w))
          .extracting(e -> e.data().get("n"))
          .as("writer %d's own order", w)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, each).boxed().toList());
    }
    assertThat(open().entries()).isEqualTo(all);
  }

  @Test
  void anAppendWhoseAnswerWasLostIsRecordedOnce() {
    ObjectJournal j = open();
    j.append(entry("hash", "started", 1));
    store.loseNextAnswers(1);
    j.append(entry("hash", "done", 2));
    j.append(entry("verify", "started", 3));

    assertThat(open().entries()).extracting(e -> e.data().get("n")).containsExactly(1, 2, 3);
    assertThat(j.entries()).extracting(e -> e.data().get("n")).containsExactly(1, 2, 3);
  }

  @Test
  void aFailedWriteThrowsAndLeavesNothingBehind() {
    ObjectJournal j = open();
    store.failNextWrites(1);
    assertThatThrownBy(() -> j.append(entry("hash", "started", 1)))
        .hasMessageContaining("injected");
    j.append(entry("hash", "started", 2));
    assertThat(open().entries()).extracting(e -> e.data().get("n")).containsExactly(2);
  }

  @Test
  void aForeignObjectInTheFolderIsNamedAndNothingChanges() {
    open().append(entry("hash", "started", 1));
    store.putRaw(FOLDER + "notes.txt", "hello".getBytes(StandardCharsets.UTF_8));
    var before = store.snapshot();

    assertThatThrownBy(this::open)
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("mem://bucket/" + FOLDER + "notes.txt")
        .hasMessageContaining("did not write")
        .hasMessageContaining("move it out");
    assertThat(store.snapshot()).isEqualTo(before);
  }

  @Test
  void aTornBatchIsNamedAndNothingChanges() {
    ObjectJournal j = open();
    j.append(entry("hash", "started", 1));
    j.append(entry("hash", "done", 2));
    byte[] whole = store.get(FOLDER + "e-000000000002.json").orElseThrow().data();
    store.putRaw(FOLDER + "e-000000000002.json", java.util.Arrays.copyOf(whole, whole.length / 2));
    var before = store.snapshot();

    assertThatThrownBy(this::open)
        .hasMessageContaining("e-000000000002.json")
        .hasMessageContaining("is not a whole journal batch")
        .hasMessageContaining("nothing was changed");
    assertThat(store.snapshot()).isEqualTo(before);
    // A writer that had the journal open meets it too, and does not write over it.
    assertThatThrownBy(
            () -> {
              store.putRaw(FOLDER + "e-000000000003.json", "{".getBytes(StandardCharsets.UTF_8));
              j.append(entry("verify", "started", 3));
            })
        .hasMessageContaining("e-000000000003.json");
  }

  @Test
  void aBatchCopiedFromAnotherJournalIsRefused() {
    ObjectJournal other = ObjectJournal.open(store, "team/journal/api-aws/", "api-aws");
    other.append(entry("hash", "started", 1));
    store.putRaw(
        FOLDER + "e-000000000001.json",
        store.get("team/journal/api-aws/e-000000000001.json").orElseThrow().data());

    assertThatThrownBy(this::open).hasMessageContaining("journal 'api-aws' (copied in?)");
  }

  @Test
  void longJournalsOpenFromASnapshotWithFewReads() {
    ObjectJournal j = open();
    int n = ObjectJournal.SNAPSHOT_EVERY * 2 + 10;
    for (int i = 0; i < n; i++) {
      j.append(entry("upload", "blocks", i));
    }
    assertThat(store.list(FOLDER + "s-")).hasSize(2);

    store.gets.set(0);
    ObjectJournal reopened = open();

    assertThat(reopened.entries()).hasSize(n);
    assertThat(reopened.entries()).isEqualTo(j.entries());
    assertThat(store.gets.get()).isEqualTo(1 + 10);
  }

  @Test
  void anUnreadableSnapshotFallsBackToTheBatchesWithANotice() {
    ObjectJournal j = open();
    int n = ObjectJournal.SNAPSHOT_EVERY + 3;
    for (int i = 0; i < n; i++) {
      j.append(entry("upload", "blocks", i));
    }
    store.putRaw(
        FOLDER + JournalObjects.snapshotName(ObjectJournal.SNAPSHOT_EVERY),
        "{\"format\":".getBytes(StandardCharsets.UTF_8));

    ObjectJournal reopened = open();

    assertThat(reopened.entries()).isEqualTo(j.entries());
    assertThat(reopened.openNotices()).singleElement().asString().contains("unreadable");
  }

  @Test
  void aMissingBatchIsReportedAndTheRestIsRead() {
    ObjectJournal j = open();
    for (int i = 0; i < 4; i++) {
      j.append(entry("upload", "blocks", i));
    }
    var two = store.get(FOLDER + "e-000000000002.json").orElseThrow();
    store.deleteIfMatch(FOLDER + "e-000000000002.json", two.version());

    ObjectJournal reopened = open();

    assertThat(reopened.entries()).extracting(e -> e.data().get("n")).containsExactly(0, 2, 3);
    assertThat(reopened.openNotices()).singleElement().asString().contains("batches 2 to 2");
    reopened.append(entry("upload", "blocks", 4));
    assertThat(store.list(FOLDER)).contains(FOLDER + "e-000000000005.json");
  }
}
