package dev.unideploy.it.gcp.fake;

import dev.unideploy.it.gcp.GceFake;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays a recorded request sequence against the fake: placeholders become fresh names (the
 * project, each resource), {@code ${operationID}} becomes the operation the fake answered last, and
 * each answer is compared with the recorded one. A recorded poll that shows DONE is repeated until
 * the fake's operation is DONE too (the recorder dropped the polls in between).
 */
final class Replayer {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");

  /** The recorder replaced every fingerprint with this value. */
  static final String NORMALIZED_FINGERPRINT = "abcdef0123A=";

  private static final List<String> FINGERPRINTS = List.of("fingerprint", "labelFingerprint");

  /** What went differently from the recording, one line each. */
  record Result(List<String> problems, int replayed, List<String> operationStatuses) {}

  private final GceFake gce;
  private final Map<String, String> names = new HashMap<>();
  private final Random random = new Random();
  private String operation = "none-yet";
  private final Map<String, String> fingerprints = new HashMap<>();

  Replayer(GceFake gce, String project) {
    this.gce = gce;
    names.put("projectId", project);
    names.put("projectNumber", "123456789012");
  }

  String substitute(String text) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String key = m.group(1);
      String value =
          key.equals("operationID")
              ? operation
              : names.computeIfAbsent(key, k -> "r" + Long.toString(random.nextLong() >>> 1, 36));
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * A recorded write carries the fingerprint its client had just read, normalized away: send the
   * one the fake last answered instead, as that client would have.
   */
  private String withFingerprints(String body) {
    String out = body;
    for (String key : FINGERPRINTS) {
      String current = fingerprints.get(key);
      if (current != null) {
        out =
            out.replace(
                "\"" + key + "\": \"" + NORMALIZED_FINGERPRINT + "\"",
                "\"" + key + "\": \"" + current + "\"");
      }
    }
    return out;
  }

  Result replay(List<RecordedLog.Exchange> log) {
    return replay(log, Map.of());
  }

  /**
   * @param skip exchanges (by number) that cannot be replayed, with why (a call the recorder made
   *     but did not log)
   */
  Result replay(List<RecordedLog.Exchange> log, Map<Integer, String> skip) {
    List<String> problems = new ArrayList<>();
    List<String> statuses = new ArrayList<>();
    int replayed = 0;
    for (int i = 0; i < log.size(); i++) {
      RecordedLog.Exchange e = log.get(i);
      if (!e.isCompute() || skip.containsKey(e.index())) {
        continue;
      }
      replayed++;
      String path = substitute(e.pathAndQuery());
      String body = e.requestBody() == null ? null : withFingerprints(substitute(e.requestBody()));
      GceFake.Answer answer = gce.call(e.method(), path, body);
      if (e.isOperationPoll() && "DONE".equals(e.response().path("status").asText())) {
        long end = System.nanoTime() + 60_000_000_000L;
        while (answer.status() == 200
            && !"DONE".equals(answer.body().path("status").asText())
            && System.nanoTime() < end) {
          statuses.add(answer.body().path("status").asText());
          sleep();
          answer = gce.call(e.method(), path, body);
        }
      }
      for (String key : FINGERPRINTS) {
        if (answer.body() != null && answer.body().path(key).isTextual()) {
          fingerprints.put(key, answer.body().path(key).asText());
        }
      }
      if (answer.body() != null
          && "compute#operation".equals(answer.body().path("kind").asText())) {
        operation = answer.body().path("name").asText();
        statuses.add(answer.body().path("status").asText());
      }
      if (answer.status() != e.status()) {
        if (eventuallyConsistentRead(log, i, answer)) {
          continue;
        }
        problems.add(e + ": the fake answered " + answer.status() + " " + answer.body());
        continue;
      }
      for (String d : Shapes.differences(e.response(), answer.body())) {
        problems.add(e + ": " + d);
      }
    }
    return new Result(problems, replayed, statuses);
  }

  /**
   * Compute Engine sometimes answers 404 to a read right after the insert's operation is DONE, and
   * 200 to the same read a moment later (recorded); the fake is consistent at once.
   */
  private static boolean eventuallyConsistentRead(
      List<RecordedLog.Exchange> log, int i, GceFake.Answer answer) {
    RecordedLog.Exchange e = log.get(i);
    if (e.status() != 404 || answer.status() != 200 || i + 1 >= log.size()) {
      return false;
    }
    RecordedLog.Exchange next = log.get(i + 1);
    return next.method().equals(e.method()) && next.url().equals(e.url()) && next.status() == 200;
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ex);
    }
  }
}
