package dev.unideploy.cli;

import dev.unideploy.pipeline.ResultJson;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.schema.ConfigProblem;
import dev.unideploy.pipeline.config.schema.ConfigReport;
import dev.unideploy.pipeline.config.schema.ConfigValidator;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.spi.Providers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code unideploy config schema|validate}: the config file's JSON Schema, and a full check. */
@Command(
    name = "config",
    description = "Print the JSON Schema of unideploy.yaml, or check a config file.",
    subcommands = {ConfigCommand.Schema.class, ConfigCommand.Validate.class})
final class ConfigCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static ConfigValidator validator() {
    return ConfigValidator.forProviders(Providers.all());
  }

  @Command(
      name = "schema",
      description =
          "Print the JSON Schema (draft-07) of unideploy.yaml, generated from the config model and"
              + " every provider present. Editors check and complete a config with it when the"
              + " file's first line is: # yaml-language-server: $schema=unideploy.schema.json")
  static final class Schema implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.println(ResultJson.write(validator().schema()));
      out.flush();
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "validate",
      description =
          "Check a config file against the schema and the providers' own rules, and list every"
              + " problem with its line and column (and the key a misspelled one probably meant)."
              + " Exit code 1 when there is any.")
  static final class Validate extends AbstractCommand<ConfigReport> {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "FILE",
        description = "The config file (default: ./unideploy.yaml).")
    Path file;

    @Override
    protected ConfigReport execute(EventSink events) {
      Path f = file == null ? ConfigLoader.DEFAULT_FILE : file;
      String text;
      try {
        text = Files.readString(f);
      } catch (NoSuchFileException e) {
        throw new UnideployException(
            "config file "
                + f
                + " does not exist: name the file to check (unideploy config validate FILE)");
      } catch (MalformedInputException e) {
        throw new UnideployException("config file " + f + " is not UTF-8 text: save it as UTF-8");
      } catch (IOException e) {
        throw new UnideployException(
            "could not read config " + f + ": " + e.getMessage() + "; check its permissions", e);
      }
      return validator().validate(f.toString(), text);
    }

    @Override
    protected int exitCode(ConfigReport report) {
      return report.valid() ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    @Override
    protected void printSummary(ConfigReport report, PrintWriter out) {
      for (ConfigProblem p : report.problems()) {
        out.println(TerminalText.sanitize(p.describe(report.file())));
      }
      int n = report.problems().size();
      out.println(
          report.file()
              + (n == 0 ? ": valid" : ": " + n + (n == 1 ? " problem" : " problems") + " found"));
    }
  }
}
