package dev.unideploy.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** The top-level {@code unideploy} command; each capability registers a subcommand here. */
@Command(
    name = "unideploy",
    mixinStandardHelpOptions = true,
    versionProvider = UnideployCommand.Version.class,
    description = "Deploy unikernel disk images to AWS, GCP, Azure or local QEMU.",
    subcommands = {
      picocli.CommandLine.HelpCommand.class,
      ConvertCommand.class,
      InspectCommand.class,
      PublishCommand.class,
      SampleCommand.class,
      DeployCommand.class,
      ImagesCommand.class,
      InstancesCommand.class,
      DemoCommand.class,
      VerifyCommand.class,
      RunCommand.class,
    })
public final class UnideployCommand implements Runnable {

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
      return new String[] {"unideploy " + version()};
    }

    static String version() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          return "unknown";
        }
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    }
  }
}
