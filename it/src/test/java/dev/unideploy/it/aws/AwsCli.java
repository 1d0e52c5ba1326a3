package dev.unideploy.it.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM, as a user would run it, and captures stdout (the result document). */
public final class AwsCli {
  /** The exit code and standard output of one run. */
  public record Run(int exit, String stdout) {
    public JsonNode json() throws Exception {
      return new ObjectMapper().readTree(stdout);
    }
  }

  private AwsCli() {}

  public static synchronized Run run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int exit = Main.run(args);
      capture.flush();
      return new Run(exit, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }
}
