package dev.unideploy.pipeline.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.pipeline.UnideployException;
import java.util.Objects;

/**
 * The parsed {@code unideploy.yaml}: the app's identity, the image, provider-neutral settings
 * (publish, health, deploy, where state lives), and one raw section per provider that the provider
 * binds to its own settings type (so no provider's settings leak into the pipeline).
 *
 * @param state where the journal and the deploy lock live: a folder (default {@code
 *     ~/.unideploy/state}) or an object-store URL
 */
public record DeployConfig(
    @JsonProperty("app")
        @JsonPropertyDescription(
            "The app name: 1-63 lowercase letters, digits and '-'. It names images, server groups and the state journal.")
        String app,
    @JsonProperty("version")
        @JsonPropertyDescription(
            "The release version (1.2.3, 2024.05.01-rc.1): letters, digits, . _ + -. Quote it: YAML reads 1.10 as the number 1.1.")
        String version,
    @JsonProperty("image")
        @JsonPropertyDescription(
            "The disk image to publish or deploy (raw, qcow2, VMDK, VHD); --image overrides it.")
        String image,
    @JsonProperty("publish")
        @JsonPropertyDescription(
            "How a published image is named and shaped, and how many of the app's images to keep.")
        PublishSettings publish,
    @JsonProperty("health")
        @JsonPropertyDescription(
            "How an instance, and the verification boot before a publish, proves from outside that it is up.")
        HealthSettings health,
    @JsonProperty("deploy")
        @JsonPropertyDescription(
            "How a release is rolled out: strategy, instances, ports, bake time, rollback targets.")
        DeploySettings deploy,
    @JsonProperty("state")
        @JsonPropertyDescription(
            "Where the journal and the deploy lock live: a folder (default ~/.unideploy/state), or shared by a team and its CI runners in object storage: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or azblob://ACCOUNT/CONTAINER/PREFIX, optionally with ?lease=60s (how long a dead holder keeps the lock; s3 also takes region=). See docs/state.md.")
        String state,
    @JsonProperty("providers") @JsonPropertyDescription("One section per provider.")
        ObjectNode providers) {

  @JsonCreator
  public DeployConfig {
    publish = publish == null ? PublishSettings.defaults() : publish;
    health = health == null ? HealthSettings.defaults() : health;
    deploy = deploy == null ? DeploySettings.defaults() : deploy;
    providers = providers == null ? JsonNodeFactory.instance.objectNode() : providers;
    if (app != null) {
      Names.checkApp(app);
    }
    if (version != null) {
      Names.checkVersion(version);
    }
  }

  /** A config for library and test use, with every default. */
  public static DeployConfig of(String app, String version) {
    return new DeployConfig(app, version, null, null, null, null, null, null);
  }

  /** This config with the overrides applied: see {@link ConfigOverrides} for the order. */
  public DeployConfig with(ConfigOverrides o) {
    return o.applyTo(this);
  }

  /** The app name, or a clear error when neither the config nor the command line gave one. */
  public String requireApp() {
    if (app == null) {
      throw new UnideployException("no app name: set 'app:' in unideploy.yaml or pass --app NAME");
    }
    return app;
  }

  /** The release version; "0" when none was given. */
  public String versionOrDefault() {
    return version == null ? "0" : version;
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
