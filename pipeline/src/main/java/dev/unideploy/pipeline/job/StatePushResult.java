package dev.unideploy.pipeline.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * What {@code unideploy state push} did: each local journal and what became of it in the remote
 * store.
 *
 * @param from the local state folder
 * @param to the remote state location
 */
public record StatePushResult(
    @JsonProperty("from") String from,
    @JsonProperty("to") String to,
    @JsonProperty("journals") List<JournalPush> journals) {

  /** What became of one journal. */
  public enum Outcome {
    /** The remote journal was empty: every local entry was copied. */
    COPIED,
    /** The remote journal held the first local entries: the rest were appended. */
    APPENDED,
    /** The remote journal already held every local entry (a re-run of the push). */
    PRESENT,
    /** The remote journal holds the local entries and more: nothing to do. */
    REMOTE_AHEAD,
    /** The two hold different histories: nothing was written. */
    CONFLICT;

    @JsonValue
    public String json() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * @param localEntries entries in the local journal
   * @param remoteEntries entries the remote journal held before the push
   * @param pushed entries written now
   */
  public record JournalPush(
      @JsonProperty("journal") String journal,
      @JsonProperty("outcome") Outcome outcome,
      @JsonProperty("localEntries") int localEntries,
      @JsonProperty("remoteEntries") int remoteEntries,
      @JsonProperty("pushed") int pushed) {}

  /** Whether some journal was left out because the two histories differ (exit code 3). */
  public boolean conflicts() {
    return journals.stream().anyMatch(j -> j.outcome() == Outcome.CONFLICT);
  }
}
