package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

  /** One run's exit code and what it printed; other command tests use it too. */
  record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    return run(Main.newCommandLine(), args);
  }

  static Run run(CommandLine cl, String... args) {
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

  /**
   * Main builds only the subcommand a command line names: every answer (output, errors, exit code)
   * must be the one the whole command tree gives.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "",
        "--help",
        "--version",
        "-V",
        "--version convert",
        "convert --help",
        "convert",
        "convert a.raw b.vhd",
        "convert a.raw b.vhd --to nosuch",
        "convert a.raw b.vhd --to raw --bogus",
        "help",
        "help convert",
        "images list --help",
        "instances nosuch",
        "nosuch",
        "conver",
        "CONVERT --help",
        "--verbose convert --help",
        "publish --help",
        "run --help",
        "verify --help",
        "deploy --help",
        "rollback --help",
        "status --help",
        "history --help",
        "state push --help",
      })
  void buildingOnlyTheNamedSubcommandAnswersAsTheWholeTree(String line) {
    String[] args = line.isEmpty() ? new String[0] : line.split(" ");
    Run whole = run(Main.newCommandLine(), args);
    Run only = run(Main.newCommandLine(args), args);
    assertThat(only).isEqualTo(whole);
    assertThat(whole.out() + whole.err()).isNotBlank();
  }

  @Test
  void buildsOnlyTheNamedSubcommand() {
    assertThat(Main.newCommandLine("convert", "--help").getSubcommands().keySet())
        .containsExactly("convert");
    assertThat(Main.newCommandLine("help", "convert").getSubcommands().keySet())
        .containsExactlyElementsOf(UnideployCommand.SUBCOMMANDS.keySet());
    assertThat(Main.newCommandLine("nosuch").getSubcommands())
        .hasSize(UnideployCommand.SUBCOMMANDS.size());
    assertThat(Main.newCommandLine("--version").getSubcommands()).isEmpty();
    assertThat(Main.newCommandLine().getSubcommands().keySet())
        .containsExactly(
            "help",
            "convert",
            "inspect",
            "publish",
            "sample",
            "deploy",
            "rollback",
            "status",
            "history",
            "images",
            "instances",
            "demo",
            "verify",
            "run",
            "state",
            "config",
            "action",
            "completion");
    Run help = run(Main.newCommandLine("convert", "--help"), "convert", "--help");
    assertThat(help.code()).isEqualTo(ExitCodes.OK);
    assertThat(help.out()).contains("Usage: unideploy convert").contains("--to=FORMAT");
    Run unknown = run(Main.newCommandLine("nosuch"), "nosuch");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("Unmatched argument").contains("nosuch");
  }

  @Test
  void versionComesFromTheBuild() {
    Run r = run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("unideploy ")
        .doesNotContain("${")
        .containsPattern("\\(commit ([0-9a-f]{12}|unknown)\\)")
        .contains("Java " + Runtime.version().feature());
  }

  /** Every command and nested command, as a user would type it. */
  private static java.util.List<String> commandPaths(CommandLine cl, String prefix) {
    java.util.List<String> paths = new java.util.ArrayList<>();
    cl.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandName().equals(name)) {
                paths.add(prefix + name);
                paths.addAll(commandPaths(sub, prefix + name + " "));
              }
            });
    return paths;
  }

  @Test
  void everyCommandAnswersHelpWithItsUsage() {
    java.util.List<String> paths = commandPaths(Main.newCommandLine(), "");
    assertThat(paths).contains("publish", "deploy", "images list", "config validate");
    for (String path : paths) {
      for (String flag : new String[] {"--help", "-h"}) {
        String[] args = (path + " " + flag).split(" ");
        Run r = run(Main.newCommandLine(args), args);
        assertThat(r.code()).as("%s %s: %s", path, flag, r.err()).isZero();
        assertThat(r.out()).as(path).contains("Usage: unideploy " + path);
      }
    }
  }

  @Test
  void publishAndDeployKeepVersionForTheReleaseVersion() {
    Run r = run(Main.newCommandLine("publish", "--help"), "publish", "--help");
    assertThat(r.out()).contains("--version=VERSION").contains("-h, --help");
  }

  @Test
  void helpWrapsToTheTerminalWidth() {
    CommandLine narrow = Main.newCommandLine("publish", "--help");
    HelpLayout.apply(narrow, "70");
    Run r = run(narrow, "publish", "--help");
    assertThat(r.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
    CommandLine wide = Main.newCommandLine("publish", "--help");
    HelpLayout.apply(wide, "160");
    Run w = run(wide, "publish", "--help");
    assertThat(w.out().lines().mapToInt(String::length).max().orElse(0)).isGreaterThan(100);
    assertThat(HelpLayout.parseColumns("abc")).isNull();
    assertThat(HelpLayout.parseColumns("20")).isEqualTo(60);
  }

  @Test
  void completionCoversEveryCommandAndOption() {
    Run r = run(Main.newCommandLine("completion"), "completion");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("complete -F _complete_unideploy")
        .contains("publish")
        .contains("validate")
        .contains("--ready-http");
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

  @Test
  void sampleWritesABootSectorAndRefusesToOverwrite(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path img = dir.resolve("s.img");
    Run r = run("sample", img.toString(), "--size", "4", "--output", "json");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("READY sample-unikernel v1");
    byte[] head = java.nio.file.Files.readAllBytes(img);
    assertThat(head).hasSize(4 << 20);
    assertThat(head[510] & 0xff).isEqualTo(0x55);
    assertThat(head[511] & 0xff).isEqualTo(0xAA);

    Run again = run("sample", img.toString());
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err()).contains("--force");
    assertThat(run("sample", dir.resolve("t.img").toString(), "--size", "1").code())
        .isEqualTo(ExitCodes.USAGE);
    // Never replace a device (a FIFO stands in for one) or a folder, even with --force.
    java.nio.file.Path fifo = dir.resolve("fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Run onDevice = run("sample", fifo.toString(), "--force");
    assertThat(onDevice.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(onDevice.err()).contains("not a regular file");
    assertThat(java.nio.file.Files.isRegularFile(fifo)).isFalse();
    assertThat(run("sample", dir.toString(), "--force").code()).isEqualTo(ExitCodes.FAILURE);
  }
}
