package dev.unideploy.provider.azure.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureSettingsTest {
  @TempDir Path dir;

  private AzureSettings bind(String section) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "app: a\nproviders:\n  azure:\n" + section.indent(4));
    DeployConfig c = ConfigLoader.load(f);
    return c.providerSettings("azure", AzureSettings.class);
  }

  @Test
  void defaultsAndRegionForms() throws Exception {
    AzureSettings s =
        bind(
            "location: West Europe\ntargetRegions: [eastus2, {name: northeurope, replicas: 2}]\n"
                + "endOfLifeAfter: 30d");
    assertThat(s.location()).isEqualTo("westeurope");
    assertThat(s.allRegions())
        .extracting(AzureSettings.TargetRegion::name)
        .containsExactly("westeurope", "eastus2", "northeurope");
    assertThat(s.targetRegions().get(1).replicas()).isEqualTo(2);
    assertThat(s.endOfLifeAfter()).isEqualTo(Duration.ofDays(30));
    assertThat(s.upload().method()).isEqualTo("managed-disk");
    assertThat(s.upload().concurrency()).isEqualTo(16);
    assertThat(s.gallery().name()).isEqualTo("unideploy");
    assertThat(s.fleet().vmSize()).isEqualTo("Standard_B1s");
  }

  @Test
  void badValuesNameTheKey() {
    assertThatThrownBy(() -> bind("subscription: nope"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("subscription");
    assertThatThrownBy(() -> bind("upload: {method: page-blob}"))
        .hasMessageContaining("upload.storageAccount");
    assertThatThrownBy(() -> bind("endpoints: {resourceManager: \"http://x\"}"))
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> bind("gallery: {name: my-gallery}"))
        .hasMessageContaining("gallery.name");
    assertThatThrownBy(() -> bind("storageAccountType: Premium_ZRS"))
        .hasMessageContaining("storageAccountType");
    assertThatThrownBy(() -> bind("colour: blue")).hasMessageContaining("unknown key 'colour'");
    assertThatThrownBy(() -> bind("fleet: {subnetId: /not/a/subnet}"))
        .hasMessageContaining("fleet.subnetId");
  }
}
