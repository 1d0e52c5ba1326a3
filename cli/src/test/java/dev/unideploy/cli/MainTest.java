package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsCommandsAndExitCodes() {
    Run r = run("--help");
    assertThat(r.code()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: unideploy").contains("Exit codes:").contains("130");
  }

  @Test
  void versionComesFromTheBuild() {
    Run r = run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("unideploy ").doesNotContain("${project.version}");
  }

  @Test
  void unknownOptionIsAUsageError() {
    Run r = run("--no-such-option");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("Unknown option");
  }

  @Test
  void failuresPrintOneLineWithoutStackTrace() {
    String line =
        ErrorHandler.describe(new dev.unideploy.pipeline.UnideployException("x failed; do y"));
    assertThat(line).isEqualTo("x failed; do y");
    assertThat(ErrorHandler.exitCodeOf(new CliExitException(ExitCodes.PARTIAL, "r2 failed")))
        .isEqualTo(ExitCodes.PARTIAL);
  }
}
