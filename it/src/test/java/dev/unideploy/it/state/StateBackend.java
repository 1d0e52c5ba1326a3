package dev.unideploy.it.state;

import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One emulator as a home for remote state: a fresh bucket or container, the state URL and provider
 * settings that reach it, the environment a child process needs, and raw access for tests that
 * tamper with objects behind unideploy's back.
 */
abstract class StateBackend implements AutoCloseable {

  /** {@code s3}, {@code gs} or {@code azblob}. */
  abstract String scheme();

  /** The bucket, or {@code account/container}: what follows the scheme. */
  abstract String root();

  /** The {@code providers:} section (YAML, indented by two) that reaches this emulator. */
  abstract String providersYaml();

  /** The checking proxy in front of the emulator, through which the tests' clients go. */
  abstract PreconditionProxy proxy();

  /** Environment variables a child process needs to reach the store. */
  abstract Map<String, String> childEnv();

  /** Opens the store {@code config} names, as a command in this JVM would. */
  abstract StateStore open(DeployConfig config);

  /** Writes {@code data} at {@code key} (relative to the bucket or container), unconditionally. */
  abstract void putRaw(String key, byte[] data) throws Exception;

  /** The keys under {@code prefix}, as the emulator lists them. */
  abstract List<String> listRaw(String prefix) throws Exception;

  /** What the checking proxy in front of the emulator caught (none for a strict emulator). */
  abstract List<String> violations();

  /** A prefix no other test uses. */
  static String uniquePrefix(String what) {
    return what + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  String stateUrl(String prefix, Duration lease) {
    return scheme() + "://" + root() + "/" + prefix + "?lease=" + lease.toSeconds() + "s";
  }

  /** Writes a unideploy.yaml for {@code app} with state under {@code prefix}, and loads it. */
  Path configFile(Path dir, String app, String prefix, Duration lease) throws IOException {
    Path file = dir.resolve("unideploy-" + UUID.randomUUID().toString().substring(0, 8) + ".yaml");
    Files.writeString(
        file,
        "app: "
            + app
            + "\nversion: \"1.0.0\"\nstate: \""
            + stateUrl(prefix, lease)
            + "\"\nproviders:\n"
            + providersYaml());
    return file;
  }

  DeployConfig config(Path dir, String app, String prefix, Duration lease) throws IOException {
    return ConfigLoader.load(configFile(dir, app, prefix, lease));
  }
}
