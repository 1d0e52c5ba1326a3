package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.pipeline.UnideployException;
import java.util.Objects;

/**
 * The parsed {@code unideploy.yaml}: the app's identity, the image, provider-neutral publish
 * settings, and one raw section per provider that the provider binds to its own settings type (so
 * no provider's settings leak into the pipeline).
 */
public record DeployConfig(
    @JsonProperty("app") String app,
    @JsonProperty("version") String version,
    @JsonProperty("image") String image,
    @JsonProperty("publish") PublishSettings publish,
    @JsonProperty("providers") ObjectNode providers) {

  @JsonCreator
  public DeployConfig {
    if (publish == null) {
      publish = PublishSettings.defaults();
    }
    if (providers == null) {
      providers = JsonNodeFactory.instance.objectNode();
    }
    if (app != null && !app.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
      throw new IllegalArgumentException(
          "app name '"
              + app
              + "' is not usable in cloud resource names: use 1-63 lowercase letters, digits"
              + " and '-', starting and ending with a letter or digit");
    }
  }

  /** A config for library and test use, with every default. */
  public static DeployConfig of(String app, String version) {
    return new DeployConfig(app, version, null, null, null);
  }

  public DeployConfig withApp(String newApp, String newVersion) {
    return new DeployConfig(newApp, newVersion, image, publish, providers);
  }

  /** The app name, or a clear error when neither the config nor the command line gave one. */
  public String requireApp() {
    if (app == null) {
      throw new UnideployException("no app name: set 'app:' in unideploy.yaml or pass --app NAME");
    }
    return app;
  }

  /** The raw section {@code providers.<name>}, empty when absent. */
  public JsonNode providerSection(String name) {
    Objects.requireNonNull(name, "name");
    JsonNode node = providers.get(name);
    return node == null ? JsonNodeFactory.instance.objectNode() : node;
  }

  /** Binds {@code providers.<name>} to a provider's own settings type, with a clear error. */
  public <T> T providerSettings(String name, Class<T> type) {
    return ConfigLoader.bind(providerSection(name), type, "providers." + name);
  }
}
