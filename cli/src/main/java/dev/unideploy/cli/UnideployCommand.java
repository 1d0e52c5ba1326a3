package dev.unideploy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * The top-level {@code unideploy} command; each capability registers a subcommand in {@link
 * #SUBCOMMANDS}.
 */
@Command(
    name = "unideploy",
    mixinStandardHelpOptions = true,
    versionProvider = UnideployCommand.Version.class,
    description = "Deploy unikernel disk images to AWS, GCP, Azure or local QEMU.")
public final class UnideployCommand implements Runnable {

  /** A subcommand: how to make it, and whether it opens disk images. */
  record Subcommand(Supplier<Object> factory, boolean readsImages) {}

  /**
   * The subcommands by name, in the order {@code --help} lists them. Kept as a table rather than in
   * {@code @Command(subcommands = ...)} so that {@link Main} can build only the one a command line
   * names: picocli builds a subcommand by reflection over all its options (and loads the types they
   * name), which for all ten took most of a short run's start-up (BENCHMARKS.md).
   */
  static final Map<String, Subcommand> SUBCOMMANDS = subcommands();

  private static Map<String, Subcommand> subcommands() {
    Map<String, Subcommand> m = new LinkedHashMap<>();
    m.put("help", new Subcommand(picocli.CommandLine.HelpCommand::new, false));
    m.put("convert", new Subcommand(ConvertCommand::new, true));
    m.put("inspect", new Subcommand(InspectCommand::new, true));
    m.put("publish", new Subcommand(PublishCommand::new, true));
    m.put("sample", new Subcommand(SampleCommand::new, false));
    m.put("deploy", new Subcommand(DeployCommand::new, true));
    m.put("rollback", new Subcommand(RollbackCommand::new, false));
    m.put("status", new Subcommand(StatusCommand::new, false));
    m.put("history", new Subcommand(HistoryCommand::new, false));
    m.put("images", new Subcommand(ImagesCommand::new, false));
    m.put("instances", new Subcommand(InstancesCommand::new, false));
    m.put("demo", new Subcommand(DemoCommand::new, true));
    m.put("verify", new Subcommand(VerifyCommand::new, true));
    m.put("run", new Subcommand(RunCommand::new, true));
    m.put("state", new Subcommand(StateCommand::new, false));
    m.put("config", new Subcommand(ConfigCommand::new, false));
    m.put("action", new Subcommand(ActionCommand::new, true));
    m.put("completion", new Subcommand(CompletionCommand::new, false));
    return java.util.Collections.unmodifiableMap(m);
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // Without a subcommand, show what there is rather than doing something surprising.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version Maven filtered into the jar. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = properties();
      String commit = p.getProperty("commit", "");
      return new String[] {
        "unideploy "
            + p.getProperty("version", "unknown")
            + " (commit "
            + (commit.isBlank() || commit.startsWith("${") ? "unknown" : commit)
            + ")",
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + ")"
      };
    }

    static String version() throws IOException {
      return properties().getProperty("version", "unknown");
    }

    private static Properties properties() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return p;
    }
  }
}
