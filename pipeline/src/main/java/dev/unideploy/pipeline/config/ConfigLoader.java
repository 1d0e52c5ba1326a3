package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.unideploy.pipeline.UnideployException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads {@code unideploy.yaml} strictly: unknown keys are errors (a typo must not silently fall
 * back to a default), and every error names the file and the key.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          // Durations are written as people write them (90s, 15m, 2h) in every section.
          .registerModule(
              new SimpleModule("durations")
                  .addDeserializer(Duration.class, new DurationText.Json()));

  /** The file read when no {@code --config} is given, if it exists. */
  public static final Path DEFAULT_FILE = Path.of("unideploy.yaml");

  private ConfigLoader() {}

  /**
   * The configuration a command runs with: {@code file} (or {@link #DEFAULT_FILE} when null and it
   * exists, else every default), then the environment's overrides, then {@code flags}.
   */
  public static DeployConfig resolve(
      Path file, java.util.Map<String, String> environment, ConfigOverrides flags) {
    DeployConfig base;
    if (file != null) {
      base = load(file);
    } else if (Files.exists(DEFAULT_FILE)) {
      base = load(DEFAULT_FILE);
    } else {
      base = DeployConfig.of(null, null);
    }
    try {
      return base.with(flags.over(ConfigOverrides.fromEnvironment(environment)));
    } catch (IllegalArgumentException e) {
      throw new UnideployException(e.getMessage(), e);
    }
  }

  public static DeployConfig load(Path file) {
    try {
      String text = Files.readString(file);
      DeployConfig config = YAML.readValue(text, DeployConfig.class);
      if (config == null) {
        throw new UnideployException(
            "config " + file + " is empty: see config-samples/ for a starting point");
      }
      return config;
    } catch (NoSuchFileException e) {
      throw new UnideployException(
          "config file "
              + file
              + " does not exist: create it (see config-samples/) or drop"
              + " --config to use defaults");
    } catch (JsonProcessingException e) {
      throw new UnideployException("config " + file + " is invalid: " + describe(e), e);
    } catch (IOException e) {
      throw new UnideployException(
          "could not read config " + file + ": " + e.getMessage() + "; check its permissions", e);
    }
  }

  /** Binds one section as a run would (durations, strict keys); errors name {@code where}. */
  public static <T> T bind(JsonNode node, Class<T> type, String where) {
    try {
      return YAML.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new UnideployException("config section '" + where + "' is invalid: " + describe(e), e);
    }
  }

  private static String describe(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown key '"
          + u.getPropertyName()
          + "' at "
          + path(u)
          + "; known keys: "
          + u.getKnownPropertyIds();
    }
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      Throwable root = m;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return "at " + path(m) + ": " + root.getMessage();
    }
    return e.getOriginalMessage();
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "(top level)" : sb.toString();
  }
}
