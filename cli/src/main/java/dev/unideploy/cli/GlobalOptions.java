package dev.unideploy.cli;

import picocli.CommandLine.Option;

/** Options every subcommand takes: how much to say and in which shape. */
public final class GlobalOptions {

  /** Text for people (progress on stderr, summary on stdout) or one JSON document on stdout. */
  public enum OutputFormat {
    TEXT,
    JSON
  }

  @Option(
      names = "--output",
      paramLabel = "text|json",
      description = "text (default) or json: one result document on stdout, all else on stderr.")
  OutputFormat output = OutputFormat.TEXT;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show debug lines and the stack trace of a failure.")
  boolean verbose;

  @Option(names = "--no-color", description = "No colours (also honoured: NO_COLOR env var).")
  boolean noColor;

  public OutputFormat output() {
    return output;
  }

  public boolean verbose() {
    return verbose;
  }

  public boolean color() {
    String env = System.getenv("NO_COLOR");
    return !noColor && (env == null || env.isEmpty());
  }
}
