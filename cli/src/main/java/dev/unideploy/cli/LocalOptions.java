package dev.unideploy.cli;

import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.provider.local.LocalHome;
import dev.unideploy.provider.local.LocalProvider;
import dev.unideploy.provider.local.LocalSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the commands that work on the local provider's store and instances. */
final class LocalOptions {

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description =
          "Local provider home (image store, instance state, logs); default"
              + " providers.local.home, else $UNIDEPLOY_LOCAL_HOME, else ~/.unideploy/local.")
  Path home;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "unideploy.yaml whose providers.local section to use.")
  Path config;

  /** The config file's contents, or defaults when none was named. */
  DeployConfig deployConfig() {
    return config == null ? DeployConfig.of(null, null) : ConfigLoader.load(config);
  }

  LocalSettings settings(DeployConfig deployConfig) {
    LocalSettings s = deployConfig.providerSettings(LocalProvider.NAME, LocalSettings.class);
    return home == null ? s : s.withHome(home.toString());
  }

  LocalHome localHome() {
    return LocalHome.resolve(settings(deployConfig()));
  }
}
