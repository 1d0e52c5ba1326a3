package dev.unideploy.pipeline.job;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.Names;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.job.StatePushResult.JournalPush;
import dev.unideploy.pipeline.job.StatePushResult.Outcome;
import dev.unideploy.pipeline.state.AppLock;
import dev.unideploy.pipeline.state.Journal;
import dev.unideploy.pipeline.state.JournalEntry;
import dev.unideploy.pipeline.state.LocalStateStore;
import dev.unideploy.pipeline.state.LockOwner;
import dev.unideploy.pipeline.state.StateStore;
import dev.unideploy.pipeline.state.StateStores;
import dev.unideploy.pipeline.state.remote.ObjectJournal;
import dev.unideploy.pipeline.state.remote.RemoteStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code unideploy state push}: copies the journals of a local state folder into the remote store
 * the config names, app by app under both stores' locks. Safe to re-run: what the remote journal
 * already holds is not written again, and a remote journal with a different history is left alone.
 * Locks are not copied (a local lock is a process's, not a record).
 */
public final class StatePushJob {
  /** Entries per object when copying: a long journal becomes a few objects, not one huge one. */
  static final int ENTRIES_PER_BATCH = 1000;

  private final Path from;
  private final DeployConfig config;
  private final EventSink events;
  private final Clock clock;

  public StatePushJob(Path from, DeployConfig config, EventSink events, Clock clock) {
    this.from = from;
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  public StatePushResult run() throws IOException {
    LocalStateStore local = new LocalStateStore(from);
    if (!Files.isDirectory(local.root())) {
      throw new UnideployException(
          "no state folder at " + local.root() + ": name the folder to push with --from DIR");
    }
    Map<String, List<String>> byApp = new LinkedHashMap<>();
    for (String name : local.journalNames()) {
      byApp.computeIfAbsent(appOf(name), a -> new ArrayList<>()).add(name);
    }
    if (byApp.isEmpty()) {
      throw new UnideployException(
          "no journals under " + local.root().resolve("journal") + ": nothing to push");
    }
    List<JournalPush> pushed = new ArrayList<>();
    try (StateStore opened = StateStores.open(config)) {
      if (!(opened instanceof RemoteStateStore remote)) {
        throw new UnideployException(
            "state push copies to a remote store, but the state is the folder "
                + opened.location()
                + ": pass --state s3://..., gs://... or azblob://... (or set state: in the config)");
      }
      for (var app : byApp.entrySet()) {
        LockOwner me = LockOwner.current(clock.instant());
        try (AppLock localLock = local.lock(app.getKey(), me, false);
            AppLock remoteLock = remote.lock(app.getKey(), me, false)) {
          for (String name : app.getValue()) {
            JournalPush p = push(name, local.journal(name), remote.journal(name));
            events.emit(
                p.outcome() == Outcome.CONFLICT
                    ? LogEvent.warn(
                        "state",
                        "journal "
                            + name
                            + ": the remote journal holds a different history; nothing was"
                            + " written. Compare the two, and move the remote one aside to"
                            + " replace it")
                    : LogEvent.info(
                        "state", "journal " + name + ": " + p.outcome().json() + " " + p.pushed()));
            pushed.add(p);
          }
        }
      }
      return new StatePushResult(local.root().toString(), remote.location(), pushed);
    }
  }

  private static JournalPush push(String name, Journal local, ObjectJournal remote) {
    List<JournalEntry> mine = local.entries();
    List<JournalEntry> theirs = remote.entries();
    Outcome outcome;
    List<JournalEntry> missing = List.of();
    if (startsWith(theirs, mine)) {
      outcome = theirs.size() == mine.size() ? Outcome.PRESENT : Outcome.REMOTE_AHEAD;
    } else if (startsWith(mine, theirs)) {
      outcome = theirs.isEmpty() ? Outcome.COPIED : Outcome.APPENDED;
      missing = mine.subList(theirs.size(), mine.size());
    } else {
      outcome = Outcome.CONFLICT;
    }
    for (int i = 0; i < missing.size(); i += ENTRIES_PER_BATCH) {
      remote.appendAll(missing.subList(i, Math.min(missing.size(), i + ENTRIES_PER_BATCH)));
    }
    return new JournalPush(name, outcome, mine.size(), theirs.size(), missing.size());
  }

  private static boolean startsWith(List<JournalEntry> list, List<JournalEntry> prefix) {
    return list.size() >= prefix.size() && list.subList(0, prefix.size()).equals(prefix);
  }

  /** {@code web-aws} → {@code web}: journals are named {@code <app>-<provider>}. */
  static String appOf(String journal) {
    int dash = journal.lastIndexOf('-');
    if (dash <= 0) {
      throw new UnideployException(
          "journal '"
              + journal
              + "' is not named <app>-<provider>: it was not written by unideploy; move it out"
              + " of the journal folder");
    }
    return Names.checkApp(journal.substring(0, dash));
  }
}
