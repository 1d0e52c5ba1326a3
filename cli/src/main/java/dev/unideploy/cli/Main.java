package dev.unideploy.cli;

import dev.unideploy.image.raw.RawImageReader;
import java.util.Map;
import picocli.CommandLine;

/** Entry point of the runnable jar and of {@code ./unideploy}. */
public final class Main {
  private static final String NO_CLOSURES = "picocli.disable.closures";

  private Main() {}

  public static void main(String[] args) {
    // picocli's DefaultFactory looks up Groovy's Closure class the first time it is used, and a
    // class that is not on the class path costs opening every jar on it to be sure: ~200 jars,
    // 0.1 s of every start-up (seen with -Dsun.misc.URLClassPath.debug). unideploy has no Groovy
    // closures in its annotations; picocli (4.6 and later) skips the look-up under this property.
    if (System.getProperty(NO_CLOSURES) == null) {
      System.setProperty(NO_CLOSURES, "true");
    }
    int code = run(args);
    CtrlC.commandFinished();
    System.exit(code);
  }

  /** Runs the command line and returns the exit code, without exiting; tests call this. */
  public static int run(String... args) {
    if (args.length > 0) {
      UnideployCommand.Subcommand named = UnideployCommand.SUBCOMMANDS.get(args[0]);
      if (named != null && named.readsImages() && !asksForHelp(args)) {
        // Binding lseek for the hole map costs ~0.1 s: let it overlap picocli's start-up.
        RawImageReader.prepareFileHoles();
      }
    }
    return newCommandLine(args).execute(args);
  }

  private static boolean asksForHelp(String... args) {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
        return true;
      }
    }
    return false;
  }

  /** The whole command tree: every subcommand. */
  static CommandLine newCommandLine() {
    return configure(withSubcommands(UnideployCommand.SUBCOMMANDS));
  }

  /**
   * The command tree {@code args} need: when the first argument names a subcommand, only that one
   * (start-up cost: BENCHMARKS.md, "Copy conversions"); none for a lone {@code --version}; the
   * whole tree otherwise ({@code --help}, no subcommand, an unknown one, and {@code help}, which
   * describes the others). Parsing and messages are the same as with the whole tree, since picocli
   * only ever looks at the subcommand named (MainTest compares the two).
   */
  static CommandLine newCommandLine(String... args) {
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      return configure(withSubcommands(Map.of()));
    }
    if (args.length > 0 && !args[0].equals("help")) {
      UnideployCommand.Subcommand named = UnideployCommand.SUBCOMMANDS.get(args[0]);
      if (named != null) {
        return configure(withSubcommands(Map.of(args[0], named)));
      }
    }
    return newCommandLine();
  }

  private static CommandLine withSubcommands(Map<String, UnideployCommand.Subcommand> subcommands) {
    CommandLine cl = new CommandLine(new UnideployCommand());
    subcommands.forEach((name, sub) -> cl.addSubcommand(name, sub.factory().get()));
    return cl;
  }

  /** Settings that picocli passes on to the subcommands already added. */
  private static CommandLine configure(CommandLine cl) {
    cl.setExecutionExceptionHandler(new ErrorHandler());
    cl.setExitCodeExceptionMapper(ErrorHandler::exitCodeOf);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    HelpLayout.apply(cl, System.getenv("COLUMNS"));
    cl.getCommandSpec().usageMessage().footer(String.format(ExitCodes.HELP_TEXT));
    return cl;
  }
}
