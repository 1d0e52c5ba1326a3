package dev.unideploy.cli;

import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.ConfigOverrides;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.Providers;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options that say which config, app, release and provider a command works on. Flags are
 * overrides: the pipeline applies them over the environment and the file in one place ({@link
 * ConfigOverrides}).
 */
final class ConfigOptions {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "unideploy.yaml (default: ./unideploy.yaml when it exists).")
  Path config;

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      description = "local (default), aws, gcp or azure.")
  String provider = "local";

  @Option(names = "--app", paramLabel = "APP", description = "App name (overrides the config).")
  String app;

  @Option(
      names = "--version",
      paramLabel = "VERSION",
      description = "Release version (overrides the config).")
  String version;

  @Option(
      names = "--state",
      paramLabel = "DIR|URL",
      description =
          "Where the journal and the deploy lock live (default: state: in the config, else"
              + " ~/.unideploy/state).")
  String state;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      description = "local provider: its image store and instance state (providers.local.home).")
  Path home;

  /** The provider {@code --provider} names. */
  Provider provider() {
    return Providers.named(provider);
  }

  /** These flags as overrides, with a command's own added through {@code extra}. */
  ConfigOverrides.Builder overrides() {
    ConfigOverrides.Builder b = ConfigOverrides.builder().app(app).version(version).state(state);
    if (home != null) {
      b.providerSetting("local", "home", home.toString());
    }
    return b;
  }

  /** The config file, then the environment, then {@code overrides}. */
  DeployConfig load(ConfigOverrides overrides) {
    return ConfigLoader.resolve(config, System.getenv(), overrides);
  }

  DeployConfig load() {
    return load(overrides().build());
  }
}
