package dev.unideploy.provider.gcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageLabelsTest {
  private static final String SHA = "ab".repeat(32);

  private static PublishRequest request(String version, String template) {
    PublishSettings settings =
        new PublishSettings(template, null, PublishSettings.BootMode.UEFI, 0);
    ProviderContext context =
        new ProviderContext(
            DeployConfig.of("web", version),
            EventSink.discard(),
            new MemoryJournal(),
            Path.of("work"),
            Clock.systemUTC());
    return new PublishRequest("web", version, SHA, 1L << 20, "disk.img", settings, context);
  }

  @Test
  void imageNamesAreWhatComputeEngineAccepts() {
    assertThat(ImageLabels.imageName(request("1.2.0", null))).isEqualTo("web-1-2-0-abababab");
    assertThat(ImageLabels.imageName(request("2024.01.05+build.7", "{app}-{version}")))
        .isEqualTo("web-2024-01-05-build-7");
    assertThat(ImageLabels.imageName(request("1", "{version}-{app}"))).isEqualTo("i-1-web");
    assertThatThrownBy(() -> ImageLabels.imageName(request("1", "{app}-" + "x".repeat(70))))
        .hasMessageContaining("shorten publish.name");
  }

  @Test
  void labelsCarryTheIdentityInValuesComputeEngineAccepts() {
    Map<String, String> labels =
        ImageLabels.forImage(
            request("1.2.0-RC1", null), "0a1b2c", "0.1.0-SNAPSHOT", Map.of("t", "x"));
    assertThat(labels)
        .containsEntry("managed-by", "unideploy")
        .containsEntry("unideploy-app", "web")
        .containsEntry("unideploy-app-version", "1-2-0-rc1")
        .containsEntry("unideploy-sha256", SHA.substring(0, 32))
        .containsEntry("unideploy-settings", "0a1b2c")
        .containsEntry("unideploy-version", "0-1-0-snapshot")
        .containsEntry("t", "x");
    labels.forEach(
        (k, v) -> {
          assertThat(k).matches(GcpImageSettings.LABEL_KEY);
          assertThat(v).matches(GcpImageSettings.LABEL_VALUE);
        });
  }

  @Test
  void theFingerprintFollowsWhatShapesTheImage() {
    GcpImageSettings image = GcpImageSettings.defaults();
    String a = ImageLabels.settingsFingerprint(request("1", null), image, List.of("GVNIC"));
    assertThat(ImageLabels.settingsFingerprint(request("1", null), image, List.of("GVNIC")))
        .isEqualTo(a);
    assertThat(ImageLabels.settingsFingerprint(request("1", null), image, List.of()))
        .isNotEqualTo(a);
    assertThat(a).matches("[0-9a-f]{12}");
  }
}
