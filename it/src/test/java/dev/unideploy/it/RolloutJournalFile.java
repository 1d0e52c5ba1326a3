package dev.unideploy.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rollout lines of a local state folder's journal ({@code journal/<app>-<provider>.jsonl}),
 * read as a test sees them while the CLI writes: where a rollout is (to kill it at a chosen step)
 * and which server groups the journal knows (to find what it does not).
 */
public final class RolloutJournalFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public RolloutJournalFile(Path state, String app, String provider) {
    this.file = state.resolve("journal").resolve(app + "-" + provider + ".jsonl");
  }

  /** The rollout lines so far; a last line cut short by a kill is left out. */
  public List<JsonNode> lines() {
    List<String> raw;
    try {
      raw = Files.readAllLines(file);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<JsonNode> out = new ArrayList<>();
    for (String line : raw) {
      try {
        JsonNode n = JSON.readTree(line);
        if (n != null && "rollout".equals(n.path("step").asText())) {
          out.add(n);
        }
      } catch (IOException e) {
        // torn by the kill: never written
      }
    }
    return out;
  }

  /** The plans of every rollout begun, oldest first. */
  public List<JsonNode> plans() {
    return lines().stream()
        .filter(l -> l.path("kind").asText().equals("begin"))
        .map(l -> l.at("/data/plan"))
        .toList();
  }

  /**
   * Whether the newest rollout has started a step {@code action} (create, gate, attach, resize...)
   * on {@code group}.
   */
  public boolean started(String action, String group) {
    List<JsonNode> lines = lines();
    JsonNode plan = null;
    for (JsonNode l : lines) {
      if (l.path("kind").asText().equals("begin")) {
        plan = l.at("/data/plan");
      } else if (plan != null
          && l.path("kind").asText().equals("step-started")
          && !l.at("/data/rollback").asBoolean()
          && l.at("/data/id").asText().equals(plan.path("id").asText())) {
        JsonNode step = plan.path("steps").path(l.at("/data/index").asInt());
        if (step.path("action").asText().toLowerCase(Locale.ROOT).equals(action)
            && step.path("group").asText().equals(group)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Every server group a rollout planned or found: what the journal knows. */
  public Set<String> groups() {
    Set<String> out = new TreeSet<>();
    for (JsonNode plan : plans()) {
      out.add(plan.path("target").asText());
      plan.path("before").forEach(g -> out.add(g.path("name").asText()));
    }
    return out;
  }

  /**
   * How the newest rollout ended ({@code deployed}, {@code rolled-back}), or null if it did not.
   */
  public String lastOutcome() {
    String outcome = null;
    for (JsonNode l : lines()) {
      if (l.path("kind").asText().equals("begin")) {
        outcome = null;
      } else if (l.path("kind").asText().equals("end")) {
        outcome = l.at("/data/outcome").asText();
      }
    }
    return outcome;
  }
}
