package dev.unideploy.provider.gcp.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.events.EventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Compose calls as Cloud Storage takes them: at most 32 sources each, levels in order. */
class ComposerTest {

  /** Records compose calls; refuses what Cloud Storage refuses (more than 32 sources). */
  private static final class Calls implements ObjectStore {
    final List<String> destinations = new ArrayList<>();
    final List<List<String>> sources = new ArrayList<>();
    final Set<String> failDeletes;
    final List<String> deleted = new ArrayList<>();

    Calls(Set<String> failDeletes) {
      this.failDeletes = failDeletes;
    }

    @Override
    public Optional<StoredObject> get(String bucket, String object) {
      return Optional.empty();
    }

    @Override
    public boolean delete(String bucket, String object) {
      if (failDeletes.contains(object)) {
        throw new IllegalStateException("403 Forbidden");
      }
      deleted.add(object);
      return true;
    }

    @Override
    public StoredObject compose(
        String bucket,
        String destination,
        List<String> from,
        String contentType,
        Map<String, String> metadata) {
      if (from.isEmpty() || from.size() > 32) {
        throw new IllegalArgumentException(from.size() + " sources");
      }
      destinations.add(destination);
      sources.add(from);
      return new StoredObject(0, "AAAAAA==", metadata);
    }
  }

  private static List<String> parts(PartPlan plan, int n) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      names.add(plan.partName(i));
    }
    return names;
  }

  @Test
  void upTo32PartsAreOneCallAnd1024AreTwoLevels() {
    PartPlan plan = PartPlan.of(1 << 20, "o", "k", 1);
    Calls one = new Calls(Set.of());
    Composer.Composed c =
        new Composer(one, EventSink.discard())
            .compose("b", "o", plan, parts(plan, 32), "application/gzip", Map.of("a", "1"));
    assertThat(one.destinations).containsExactly("o");
    assertThat(c.intermediates()).isEmpty();
    assertThat(c.object().metadata()).containsEntry("a", "1");

    Calls many = new Calls(Set.of());
    Composer.Composed d =
        new Composer(many, EventSink.discard())
            .compose("b", "o", plan, parts(plan, 1024), "application/gzip", Map.of());
    assertThat(many.destinations).hasSize(33).endsWith("o");
    assertThat(d.intermediates()).hasSize(32).isEqualTo(many.destinations.subList(0, 32));
    assertThat(many.sources.get(32)).isEqualTo(d.intermediates());
    assertThat(many.sources.subList(0, 32).stream().flatMap(List::stream).toList())
        .isEqualTo(parts(plan, 1024));
    assertThat(PartPlan.temporaries(parts(plan, 1024)))
        .as("what a later run deletes")
        .containsAll(d.intermediates());
  }

  @Test
  void aDeleteThatFailsIsAWarningAndReportedAsNotAllGone() {
    PartPlan plan = PartPlan.of(1 << 20, "o", "k", 1);
    List<String> names = parts(plan, 3);
    Calls calls = new Calls(Set.of(names.get(1)));
    assertThat(new Composer(calls, EventSink.discard()).delete("b", names)).isFalse();
    assertThat(calls.deleted).containsExactly(names.get(0), names.get(2));
    assertThat(new Composer(new Calls(Set.of()), EventSink.discard()).delete("b", names)).isTrue();
  }
}
