package dev.unideploy.provider.azure.publish;

import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.models.RegionalReplicationStatus;
import com.azure.resourcemanager.compute.models.ReplicationState;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.resilience.Deadline;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Follows an image version's replication through its {@code replicationStatus} ({@code
 * $expand=ReplicationStatus}) and reports each region as soon as it completes or fails, rather than
 * waiting for the whole operation, which only ends when the last region does.
 */
final class ReplicationWatcher {
  /** One region's outcome: completed, or failed with Azure's details. */
  record RegionState(String region, boolean completed, String details) {}

  private final EventSink events;
  private final Duration poll;

  /** Regions already reported in this run, so a second watch does not repeat them. */
  private final java.util.Set<String> reported = java.util.concurrent.ConcurrentHashMap.newKeySet();

  ReplicationWatcher(EventSink events, Duration poll) {
    this.events = events;
    this.poll = poll;
  }

  static String norm(String region) {
    return region.replace(" ", "").toLowerCase(Locale.ROOT);
  }

  /**
   * Polls until every region of {@code wanted} has ended (or {@code stopWhen} has), at most {@code
   * timeout}; returns the regions that ended, keyed by normalised name.
   */
  Map<String, RegionState> watch(
      Supplier<GalleryImageVersionInner> read,
      Collection<String> wanted,
      Collection<String> stopWhen,
      Duration timeout,
      String what) {
    Map<String, RegionState> ended = new LinkedHashMap<>();
    StringBuilder last = new StringBuilder("not started");
    new Deadline(what + " to replicate", timeout, poll)
        .await(
            () -> {
              look(read.get(), wanted, ended, last, what);
              return ended.keySet().containsAll(stopWhen) || ended.keySet().containsAll(wanted);
            },
            last::toString,
            "raise providers.azure.waits.replication, or re-run to go on waiting");
    return ended;
  }

  /** Reads one replication status; records and reports the regions that ended since. */
  private void look(
      GalleryImageVersionInner v,
      Collection<String> wanted,
      Map<String, RegionState> ended,
      StringBuilder last,
      String what) {
    if (v == null) {
      throw new UnideployException(
          what + " disappeared while replicating; re-run to publish it again");
    }
    if (v.replicationStatus() == null || v.replicationStatus().summary() == null) {
      return;
    }
    last.setLength(0);
    for (RegionalReplicationStatus r : v.replicationStatus().summary()) {
      String key = norm(r.region());
      last.append(key).append('=').append(r.state()).append(' ');
      if (!wanted.contains(key) || ended.containsKey(key)) {
        continue;
      }
      if (ReplicationState.COMPLETED.equals(r.state())) {
        ended.put(key, new RegionState(key, true, null));
        if (reported.add(key)) {
          events.emit(LogEvent.info("replicate", what + ": replicated to " + key));
        }
      } else if (ReplicationState.FAILED.equals(r.state())) {
        ended.put(key, new RegionState(key, false, r.details()));
        if (reported.add(key)) {
          events.emit(
              LogEvent.warn(
                  "replicate", what + ": replication to " + key + " failed: " + r.details()));
        }
      }
    }
  }
}
