package dev.unideploy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;

/**
 * The files the runner gives a step: {@code $GITHUB_OUTPUT} (step outputs) and {@code
 * $GITHUB_STEP_SUMMARY} (the job summary's Markdown), both appended to, never replaced.
 */
final class GithubFiles {
  private GithubFiles() {}

  /**
   * Appends outputs in the multi-line form {@code name<<DELIMITER}, with a random delimiter that no
   * value contains, so that no value can end the block early and set other outputs (<a
   * href="https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings">multiline
   * strings</a>).
   */
  static void appendOutputs(Path file, Map<String, String> outputs) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : outputs.entrySet()) {
      String value = e.getValue() == null ? "" : e.getValue();
      String delimiter = "ghadelimiter_" + UUID.randomUUID();
      if (value.contains(delimiter) || e.getKey().contains("<<") || e.getKey().contains("\n")) {
        throw new IllegalArgumentException("output " + e.getKey() + " cannot be written safely");
      }
      sb.append(e.getKey())
          .append("<<")
          .append(delimiter)
          .append('\n')
          .append(value)
          .append('\n')
          .append(delimiter)
          .append('\n');
    }
    append(file, sb.toString());
  }

  static void appendSummary(Path file, String markdown) throws IOException {
    append(file, markdown.endsWith("\n") ? markdown : markdown + "\n");
  }

  private static void append(Path file, String text) throws IOException {
    Files.writeString(
        file,
        text,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE);
  }
}
