package dev.unideploy.provider.gcp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.qemu.DiskController;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcpSettingsTest {
  @TempDir Path dir;

  private GcpSettings bind(String section) throws IOException {
    return config(section).providerSettings("gcp", GcpSettings.class);
  }

  private DeployConfig config(String section) throws IOException {
    Path file = dir.resolve("unideploy.yaml");
    Files.writeString(
        file, "app: demo\nversion: \"1\"\nproviders:\n  gcp:\n" + section.strip().indent(4));
    return ConfigLoader.load(file);
  }

  @Test
  void emptySectionGivesSafeDefaults() {
    GcpSettings s = GcpSettings.defaults();
    assertThat(s.project()).isNull();
    assertThat(s.objectPrefix()).isEqualTo("unideploy/");
    assertThat(s.keepObject()).isFalse();
    assertThat(s.credentials()).isEqualTo("adc");
    assertThat(s.image().familyFor("hello")).isEqualTo("hello");
    assertThat(s.image().controller()).isEqualTo(DiskController.VIRTIO_SCSI);
    assertThat(s.image().deprecateOlder()).isTrue();
    assertThat(s.share().principals()).isEmpty();
    assertThat(s.upload().chunkBytes()).isEqualTo(32 << 20);
    assertThat(s.upload().sparse()).isTrue();
    assertThat(s.upload().gzipThreads()).isBetween(1, 8);
    assertThat(s.timeouts().imageImport()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.retry().maxAttempts()).isEqualTo(8);
  }

  @Test
  void partsDefaultTo64MiBAndAtLeastOneChunk() throws IOException {
    assertThat(GcpSettings.defaults().upload().partBytes()).isEqualTo(64L << 20);
    assertThat(bind("upload: {chunkMiB: 128}").upload().partMiB()).isEqualTo(128);
    assertThat(bind("upload: {chunkMiB: 1, partMiB: 2}").upload().partBytes()).isEqualTo(2L << 20);
  }

  @Test
  void bindsAFullSection() throws IOException {
    GcpSettings s =
        bind(
            """
            project: my-project-123
            bucket: my-bucket
            objectPrefix: images/
            keepObject: true
            credentials: none
            endpoints: {compute: "http://127.0.0.1:9000", storage: "http://127.0.0.1:9001/"}
            image:
              family: "{app}-stable"
              description: "{app} {version}"
              guestOsFeatures: [gvnic, VIRTIO_SCSI_MULTIQUEUE, GVNIC]
              storageLocation: us-central1
              diskController: nvme
              labels: {team: web, cost-center: "42"}
              deprecateOlder: false
            share:
              members: ["group:devs@example.com", "domain:example.com"]
              projects: ["123456789012"]
            upload: {chunkMiB: 64, sparse: false, compressionLevel: 1, threads: 3}
            timeouts: {apiCall: 90s, chunk: 10m, imageImport: 1h, operation: 5m, pollInterval: 1s}
            retry: {maxAttempts: 4, callsPerSecond: 2.5}
            """);
    assertThat(s.project()).isEqualTo("my-project-123");
    assertThat(s.endpoints().compute()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(s.image().familyFor("web")).isEqualTo("web-stable");
    assertThat(s.image().guestOsFeatures()).containsExactly("GVNIC", "VIRTIO_SCSI_MULTIQUEUE");
    assertThat(s.image().controller()).isEqualTo(DiskController.NVME);
    assertThat(s.image().labels()).containsEntry("cost-center", "42");
    assertThat(s.share().principals())
        .containsExactly(
            "group:devs@example.com",
            "domain:example.com",
            "serviceAccount:123456789012@cloudservices.gserviceaccount.com");
    assertThat(s.upload().chunkBytes()).isEqualTo(64 << 20);
    assertThat(s.upload().gzipThreads()).isEqualTo(3);
    assertThat(s.timeouts().imageImport()).isEqualTo(Duration.ofHours(1));
    assertThat(s.retry().callsPerSecond()).isEqualTo(2.5);
  }

  @Test
  void badValuesNameTheKeyAndWhatToWrite() {
    assertThatThrownBy(() -> bind("project: My Project"))
        .hasMessageContaining("project: 'My Project' is not a project id");
    assertThatThrownBy(() -> bind("bucket: gs://b"))
        .hasMessageContaining("write the name only, no gs://");
    assertThatThrownBy(() -> bind("credentials: key.json")).hasMessageContaining("write adc");
    assertThatThrownBy(() -> bind("upload: {chunkMiB: 32, partMiB: 48}"))
        .hasMessageContaining("upload.partMiB must be a multiple of upload.chunkMiB (32)");
    assertThatThrownBy(() -> bind("endpoints: {compute: \"127.0.0.1:9000\"}"))
        .hasMessageContaining("endpoints.compute");
    assertThatThrownBy(() -> bind("image: {family: Web}")).hasMessageContaining("image.family");
    assertThatThrownBy(() -> bind("image: {diskController: ide}"))
        .hasMessageContaining("virtio-scsi or nvme");
    assertThatThrownBy(() -> bind("image: {labels: {managed-by: me}}"))
        .hasMessageContaining("a label unideploy sets itself");
    assertThatThrownBy(() -> bind("image: {labels: {Team: x}}"))
        .hasMessageContaining("is not a valid label");
    assertThatThrownBy(() -> bind("share: {members: [\"alice@example.com\"]}"))
        .hasMessageContaining("is not an IAM principal");
    assertThatThrownBy(() -> bind("share: {projects: [my-project]}"))
        .hasMessageContaining("is not a project number");
    assertThatThrownBy(() -> bind("upload: {chunkMiB: 0}")).hasMessageContaining("upload.chunkMiB");
    assertThatThrownBy(() -> bind("timeouts: {imageImport: soon}"))
        .hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> bind("colour: blue")).hasMessageContaining("unknown key 'colour'");
  }

  @Test
  void rateBalancingNeedsAPerInstanceMaximumAndEachMaximumItsOwnMode() throws IOException {
    assertThatThrownBy(() -> bind("fleet: {balancingMode: RATE}"))
        .hasMessageContaining("fleet.balancingMode RATE needs fleet.maxRatePerInstance");
    assertThatThrownBy(() -> bind("fleet: {balancingMode: RATE, maxRatePerInstance: 0}"))
        .hasMessageContaining("fleet.maxRatePerInstance");
    assertThatThrownBy(() -> bind("fleet: {maxRatePerInstance: 50}"))
        .hasMessageContaining("applies to balancingMode RATE only (it is UTILIZATION)");
    assertThatThrownBy(
            () ->
                bind(
                    "fleet: {balancingMode: RATE, maxRatePerInstance: 9, maxConnectionsPerInstance: 5}"))
        .hasMessageContaining("applies to balancingMode CONNECTION only");
    GcpFleetSettings rate = bind("fleet: {balancingMode: rate, maxRatePerInstance: 50}").fleet();
    assertThat(rate.balancingMode()).isEqualTo("RATE");
    assertThat(rate.maxRatePerInstance()).isEqualTo(50.0);
    assertThat(
            bind("fleet: {balancingMode: CONNECTION, maxConnectionsPerInstance: 100}")
                .fleet()
                .maxConnectionsPerInstance())
        .isEqualTo(100);
  }
}
