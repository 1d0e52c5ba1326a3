package dev.unideploy.pipeline.state;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Who holds an app's deploy lock: named in the refusal a second run gets, so that a person can tell
 * a live deploy from a stale one.
 *
 * @param runUrl the CI run that holds it (GitHub Actions), or null
 */
public record LockOwner(
    @JsonProperty("host") String host,
    @JsonProperty("pid") long pid,
    @JsonProperty("since") Instant since,
    @JsonProperty("runUrl") String runUrl) {

  /** This process, now. */
  public static LockOwner current(Instant now) {
    return new LockOwner(hostName(), ProcessHandle.current().pid(), now, ciRunUrl());
  }

  /** One line for messages: {@code pid 1234 on host-a since 2026-12-06T17:00:00Z (run URL)}. */
  public String describe() {
    return "pid "
        + pid
        + " on "
        + host
        + " since "
        + since.truncatedTo(ChronoUnit.SECONDS)
        + (runUrl == null ? "" : " (" + runUrl + ")");
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  /** The GitHub Actions run URL, built from the variables the runner sets. */
  private static String ciRunUrl() {
    String server = System.getenv("GITHUB_SERVER_URL");
    String repo = System.getenv("GITHUB_REPOSITORY");
    String run = System.getenv("GITHUB_RUN_ID");
    if (server == null || repo == null || run == null) {
      return null;
    }
    return server + "/" + repo + "/actions/runs/" + run;
  }
}
