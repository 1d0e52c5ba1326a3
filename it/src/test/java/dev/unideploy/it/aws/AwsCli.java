package dev.unideploy.it.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the CLI in this JVM, as a user would run it, and captures stdout (the result document) and
 * stderr (progress and errors).
 */
public final class AwsCli {
  /** The exit code, standard output and standard error of one run. */
  public record Run(int exit, String stdout, String stderr) {
    public JsonNode json() throws Exception {
      return new ObjectMapper().readTree(stdout);
    }
  }

  private AwsCli() {}

  public static synchronized Run run(String... args) {
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream captureOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream captureErr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(captureOut);
      System.setErr(captureErr);
      int exit = Main.run(args);
      captureOut.flush();
      captureErr.flush();
      return new Run(
          exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }
}
