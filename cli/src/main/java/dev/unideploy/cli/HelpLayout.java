package dev.unideploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Makes every command answer {@code -h}/{@code --help} and wraps help text to the terminal.
 *
 * <p>picocli's {@code mixinStandardHelpOptions} silently adds nothing when a command already has
 * one of its option names: {@code publish} and {@code deploy} take {@code --version VERSION} (the
 * release), so they had no {@code --help} at all. Adding the help option here, to every command
 * that lacks one, also covers commands added later.
 */
final class HelpLayout {
  /** Narrower than this, option descriptions would wrap after a word or two. */
  private static final int MIN_WIDTH = 60;

  private HelpLayout() {}

  static void apply(CommandLine cl, String columns) {
    Integer width = parseColumns(columns);
    walk(cl, width);
  }

  private static void walk(CommandLine cl, Integer width) {
    CommandSpec spec = cl.getCommandSpec();
    if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
      spec.addOption(
          OptionSpec.builder("-h", "--help")
              .usageHelp(true)
              .description("Show this help message and exit.")
              .build());
    }
    if (width != null) {
      // COLUMNS is what the shell says the terminal is wide: exact, and costs no stty call.
      cl.setUsageHelpWidth(width);
    } else {
      // Asks the terminal (stty) only when help is printed; 80 columns when there is none.
      cl.setUsageHelpAutoWidth(true);
    }
    cl.getSubcommands().values().stream().distinct().forEach(sub -> walk(sub, width));
  }

  static Integer parseColumns(String columns) {
    if (columns == null || !columns.strip().matches("\\d{1,4}")) {
      return null;
    }
    return Math.max(MIN_WIDTH, Integer.parseInt(columns.strip()));
  }
}
