package dev.unideploy.provider.azure.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.resourcemanager.compute.models.HyperVGeneration;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.PublishSettings;
import org.junit.jupiter.api.Test;

class AzureImagePublisherTest {
  @Test
  void galleryVersionsAreMajorMinorPatch() {
    assertThat(AzureImagePublisher.galleryVersion("1.2")).isEqualTo("1.2.0");
    assertThat(AzureImagePublisher.galleryVersion("v3.04.5")).isEqualTo("3.4.5");
    assertThatThrownBy(() -> AzureImagePublisher.galleryVersion("1.0.0-rc1"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("MAJOR.MINOR.PATCH");
  }

  @Test
  void bootModeChoosesTheGeneration() {
    assertThat(AzureImagePublisher.generation(PublishSettings.defaults()))
        .isEqualTo(HyperVGeneration.V1);
    assertThat(
            AzureImagePublisher.generation(
                new PublishSettings(null, null, PublishSettings.BootMode.UEFI, 0)))
        .isEqualTo(HyperVGeneration.V2);
  }

  @Test
  void tagsFenceWhatRetentionMayTouch() {
    assertThat(AzureTags.ours(java.util.Map.of(AzureTags.MANAGED, "true", AzureTags.APP, "a"), "a"))
        .isTrue();
    assertThat(AzureTags.ours(java.util.Map.of(AzureTags.MANAGED, "true", AzureTags.APP, "b"), "a"))
        .isFalse();
    assertThat(AzureTags.ours(java.util.Map.of(AzureTags.APP, "a"), "a")).isFalse();
    assertThat(AzureTags.ours(null, "a")).isFalse();
  }
}
