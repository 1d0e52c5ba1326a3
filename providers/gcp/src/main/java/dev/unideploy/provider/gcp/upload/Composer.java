package dev.unideploy.provider.gcp.upload;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Joins the part objects into the tarball object with objects.compose, 32 sources per call: with
 * more parts, groups are composed into intermediate objects first, then those (1024 parts take two
 * levels). Deletes the temporary objects afterwards, as far as it can.
 */
final class Composer {
  private static final String STEP = UploadJournal.STEP;

  private final ObjectStore objects;
  private final EventSink events;

  Composer(ObjectStore objects, EventSink events) {
    this.objects = objects;
    this.events = events;
  }

  /** The composite of {@code parts}, and the intermediate objects made on the way. */
  record Composed(ObjectStore.StoredObject object, List<String> intermediates) {}

  Composed compose(
      String bucket,
      String destination,
      PartPlan plan,
      List<String> parts,
      String contentType,
      Map<String, String> metadata) {
    List<String> sources = parts;
    List<String> intermediates = new ArrayList<>();
    for (int level = 0; sources.size() > PartPlan.MAX_SOURCES; level++) {
      List<String> next = new ArrayList<>();
      List<List<String>> groups = PartPlan.groups(sources);
      for (int i = 0; i < groups.size(); i++) {
        String name = plan.intermediateName(level, i);
        objects.compose(bucket, name, groups.get(i), contentType, Map.of());
        intermediates.add(name);
        next.add(name);
      }
      sources = next;
    }
    return new Composed(
        objects.compose(bucket, destination, sources, contentType, metadata), intermediates);
  }

  /**
   * Deletes temporary objects; a failure is a warning (they cost storage, not correctness) and
   * leaves them named in the journal, so the next run that reuses the object tries again.
   *
   * @return whether every one is gone
   */
  boolean delete(String bucket, List<String> names) {
    int failed = 0;
    RuntimeException first = null;
    for (String name : names) {
      try {
        objects.delete(bucket, name);
      } catch (RuntimeException e) {
        failed++;
        first = first == null ? e : first;
      }
    }
    if (failed > 0) {
      events.emit(
          LogEvent.warn(
              STEP,
              "could not delete "
                  + failed
                  + " of "
                  + names.size()
                  + " temporary part objects in gs://"
                  + bucket
                  + " ("
                  + first.getMessage()
                  + "); the next publish of this image retries, or delete the objects named"
                  + " *.unideploy-parts/* yourself"));
    }
    return failed == 0;
  }
}
