package dev.unideploy.provider.aws.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.provider.aws.settings.AmiSettings;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.Filter;

class ImageTagsTest {
  private static final Instant AT = Instant.parse("2026-11-29T12:00:00Z");

  @Test
  void imageTagsIdentifyContentAppAndTool() {
    PublishRequest r = Requests.request(PublishSettings.defaults());
    Map<String, String> tags = ImageTags.forImage(r, "fp", "0.1.0", AT, "snap-1");
    assertThat(tags)
        .containsEntry("Name", "demo-1.0.0-01234567")
        .containsEntry("unideploy:managed", "true")
        .containsEntry("unideploy:app", "demo")
        .containsEntry("unideploy:app-version", "1.0.0")
        .containsEntry("unideploy:sha256", Requests.SHA)
        .containsEntry("unideploy:settings", "fp")
        .containsEntry("unideploy:source", "disk.img")
        .containsEntry("unideploy:version", "0.1.0")
        .containsEntry("unideploy:published-at", "2026-11-29T12:00:00Z")
        .containsEntry("unideploy:snapshot", "snap-1");
    // AWS allows at most 50 tags per resource; keep well below.
    assertThat(tags).hasSizeLessThanOrEqualTo(12);
  }

  @Test
  void copyTagsDropTheSnapshotAndSayWhereFrom() {
    Map<String, String> source =
        ImageTags.forImage(
            Requests.request(PublishSettings.defaults()), "fp", "0.1.0", AT, "snap-1");
    Map<String, String> copy = ImageTags.forCopy(source, "us-east-1", "ami-1");
    assertThat(copy).doesNotContainKey("unideploy:snapshot");
    assertThat(copy).containsEntry("unideploy:copied-from", "us-east-1/ami-1");
    assertThat(copy).containsEntry("unideploy:sha256", Requests.SHA);
  }

  @Test
  void longValuesAreCutToTheAwsLimit() {
    PublishRequest r =
        new PublishRequest(
            "demo",
            "1",
            Requests.SHA,
            1,
            "x".repeat(300) + ".img",
            PublishSettings.defaults(),
            Requests.request(PublishSettings.defaults()).context());
    assertThat(ImageTags.forImage(r, "fp", "v", AT, null).get("unideploy:source")).hasSize(256);
  }

  @Test
  void fingerprintChangesWithEverySettingThatShapesTheAmi() {
    PublishRequest r = Requests.request(Requests.settings("x86_64", "uefi"));
    AmiSettings base = AmiSettings.defaults();
    String fp = ImageTags.settingsFingerprint(r, base);
    assertThat(fp).hasSize(16).matches("[0-9a-f]+");
    assertThat(ImageTags.settingsFingerprint(r, AmiSettings.defaults())).isEqualTo(fp);

    assertThat(
            ImageTags.settingsFingerprint(
                r, ami("/dev/sda1", "gp3", null, true, true, false, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, "gp2", null, true, true, false, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, null, 5, true, true, false, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, null, null, false, true, false, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, null, null, true, false, false, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, null, null, true, true, true, true)))
        .isNotEqualTo(fp);
    assertThat(ImageTags.settingsFingerprint(r, ami(null, null, null, true, true, false, false)))
        .isNotEqualTo(fp);
    assertThat(
            ImageTags.settingsFingerprint(
                Requests.request(Requests.settings("x86_64", "legacy-bios")), base))
        .isNotEqualTo(fp);
    assertThat(
            ImageTags.settingsFingerprint(
                Requests.request(Requests.settings("arm64", "uefi")), base))
        .isNotEqualTo(fp);
    // The description is cosmetic: changing it must not force a new AMI.
    assertThat(
            ImageTags.settingsFingerprint(
                r, new AmiSettings(null, null, null, null, null, null, null, "other text")))
        .isEqualTo(fp);
  }

  @Test
  void filtersSelectOnlyThisToolsImagesOfTheApp() {
    assertThat(ImageTags.managedBy("demo"))
        .extracting(Filter::name, f -> f.values().get(0))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("tag:unideploy:managed", "true"),
            org.assertj.core.groups.Tuple.tuple("tag:unideploy:app", "demo"));
    assertThat(ImageTags.sameImage("demo", Requests.SHA, "fp"))
        .extracting(Filter::name)
        .contains("tag:unideploy:sha256", "tag:unideploy:settings");
  }

  private static AmiSettings ami(
      String root,
      String type,
      Integer size,
      boolean ena,
      boolean sriov,
      boolean tpm,
      boolean imds) {
    return new AmiSettings(root, type, size, ena, sriov, tpm, imds, null);
  }
}
