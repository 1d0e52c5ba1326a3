package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishes through the pipeline and the Azure provider against the ARM fake and Azurite: a re-run
 * creates nothing, replication reports each region (a failed one alone), and retention deletes only
 * this app's versions with the disks behind them.
 */
class AzurePublishTest {
  private static final String COMPUTE = "/providers/Microsoft.Compute";
  private static ArmFake arm;

  @TempDir Path dir;

  @BeforeAll
  static void fake() {
    arm = ArmFake.get();
  }

  @AfterEach
  void clearFaults() {
    arm.clearFaults();
  }

  /** A 24 MiB raw disk: 1 MiB of data, 18 MiB of holes, 1 MiB of data at 20 MiB (seeded). */
  static Path disk(Path dir, long seed) throws IOException {
    Path file = dir.resolve("disk-" + seed + ".img");
    Random r = new Random(seed);
    byte[] mib = new byte[1 << 20];
    try (var ch =
        java.nio.channels.FileChannel.open(
            file,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.WRITE)) {
      r.nextBytes(mib);
      ch.write(java.nio.ByteBuffer.wrap(mib), 0);
      r.nextBytes(mib);
      ch.write(java.nio.ByteBuffer.wrap(mib), 20L << 20);
      ch.truncate(24L << 20);
    }
    return file;
  }

  private List<JsonNode> list(String rg, String path) {
    JsonNode value = ArmFake.json(arm.send("GET", arm.groupPath(rg) + path, null)).get("value");
    List<JsonNode> out = new ArrayList<>();
    value.forEach(out::add);
    return out;
  }

  @Test
  void secondPublishCreatesNothingAndEveryRegionIsReported() throws IOException {
    String rg = arm.newResourceGroup("pub");
    String app = AzurePublish.uniqueApp("twice");
    String yaml =
        AzurePublish.yaml(arm, app, "1.0.0", rg, 0, "targetRegions: [eastus2, northeurope]");
    Path disk = disk(dir, 1);

    AzurePublish.Run first =
        AzurePublish.publish(arm, AzurePublish.config(dir, yaml), disk, dir, new MemoryJournal());
    assertThat(first.result().reused()).isFalse();
    // Two non-zero 4 MiB windows (0 and 5) and the footer: the 18 MiB of holes are never sent.
    assertThat(first.result().upload().details()).containsEntry("putPageCalls", "3");
    assertThat(first.result().upload().method()).isEqualTo("managed-disk");
    for (String region : List.of(arm.location(), "eastus2", "northeurope")) {
      assertThat(first.region(region).ok()).as(first.log()).isTrue();
    }
    assertThat(first.log()).contains("replicated to eastus2").contains("replicated to northeurope");

    AzurePublish.Run second =
        AzurePublish.publish(arm, AzurePublish.config(dir, yaml), disk, dir, new MemoryJournal());
    assertThat(second.result().reused()).as(second.log()).isTrue();
    assertThat(second.result().upload()).isNull();
    assertThat(second.region("eastus2").ok()).isTrue();

    assertThat(list(rg, COMPUTE + "/disks?api-version=2024-03-02")).hasSize(1);
    List<JsonNode> versions =
        list(
            rg,
            COMPUTE + "/galleries/unideploy/images/" + app + "/versions?api-version=2024-03-03");
    assertThat(versions).hasSize(1);
    JsonNode tags = versions.get(0).get("tags");
    assertThat(tags.get("unideploy:managed").asText()).isEqualTo("true");
    assertThat(tags.get("unideploy:app").asText()).isEqualTo(app);
    assertThat(tags.get("unideploy:upload").asText())
        .endsWith(
            "/disks/"
                + app
                + "-"
                + tags.get("unideploy:sha256").asText().substring(0, 8)
                + "-upload");
    JsonNode def =
        ArmFake.json(
            arm.send(
                "GET",
                arm.groupPath(rg)
                    + COMPUTE
                    + "/galleries/unideploy/images/"
                    + app
                    + "?api-version=2024-03-03",
                null));
    assertThat(def.at("/properties/hyperVGeneration").asText()).isEqualTo("V1");
    assertThat(def.at("/properties/osState").asText()).isEqualTo("Generalized");
  }

  @Test
  void aFailedRegionIsReportedAloneAndARerunRetriesIt() throws IOException {
    String rg = arm.newResourceGroup("pub");
    String app = AzurePublish.uniqueApp("region");
    String yaml =
        AzurePublish.yaml(arm, app, "2.1.0", rg, 0, "targetRegions: [eastus2, northeurope]");
    arm.fault(
        Map.of(
            "kind",
            "replication",
            "region",
            "northeurope",
            "code",
            "QuotaExceeded",
            "message",
            "no capacity (test)"));
    Path disk = disk(dir, 2);
    AzurePublish.Run run =
        AzurePublish.publish(arm, AzurePublish.config(dir, yaml), disk, dir, new MemoryJournal());
    assertThat(run.region("eastus2").ok()).isTrue();
    assertThat(run.region("northeurope").ok()).isFalse();
    assertThat(run.region("northeurope").error()).contains("QuotaExceeded");
    assertThat(run.result().failedRegions()).containsExactly("northeurope");

    arm.clearFaults();
    AzurePublish.Run again =
        AzurePublish.publish(arm, AzurePublish.config(dir, yaml), disk, dir, new MemoryJournal());
    assertThat(again.region("northeurope").ok()).as(again.log()).isTrue();
    assertThat(again.result().failedRegions()).isEmpty();
    assertThat(list(rg, COMPUTE + "/disks?api-version=2024-03-02")).hasSize(1);
  }

  @Test
  void retentionDeletesOnlyThisAppsOldVersionsWithTheirDisks() throws IOException {
    String rg = arm.newResourceGroup("pub");
    String app = AzurePublish.uniqueApp("keep");
    String other = AzurePublish.uniqueApp("other");
    String shared = "gallery: {image: shared}";
    String definition = arm.groupPath(rg) + COMPUTE + "/galleries/unideploy/images/shared";
    // Another app's version in the same image definition: never ours to retire.
    AzurePublish.publish(
        arm,
        AzurePublish.config(dir, AzurePublish.yaml(arm, other, "0.9.0", rg, 1, shared)),
        disk(dir, 100),
        dir,
        new MemoryJournal());
    for (int i = 0; i < 3; i++) {
      AzurePublish.publish(
          arm,
          AzurePublish.config(dir, AzurePublish.yaml(arm, app, "1." + i + ".0", rg, 2, shared)),
          disk(dir, 10 + i),
          dir,
          new MemoryJournal());
    }
    // A version unideploy did not make (no tags), from this app's newest disk.
    JsonNode newest =
        ArmFake.json(arm.send("GET", definition + "/versions/1.2.0?api-version=2024-03-03", null));
    String source = newest.at("/properties/storageProfile/osDiskImage/source/id").asText();
    var put =
        arm.send(
            "PUT",
            definition + "/versions/7.7.7?api-version=2024-03-03",
            "{\"location\":\""
                + arm.location()
                + "\",\"properties\":{\"storageProfile\":{\"osDiskImage\":"
                + "{\"source\":{\"id\":\""
                + source
                + "\"}}}}}");
    arm.awaitOperation(
        put.headers().firstValue("Azure-AsyncOperation").get(), Duration.ofSeconds(30));

    AzurePublish.Run last =
        AzurePublish.publish(
            arm,
            AzurePublish.config(dir, AzurePublish.yaml(arm, app, "1.3.0", rg, 2, shared)),
            disk(dir, 13),
            dir,
            new MemoryJournal());
    List<String> names =
        list(rg, COMPUTE + "/galleries/unideploy/images/shared/versions?api-version=2024-03-03")
            .stream()
            .map(v -> v.get("name").asText())
            .sorted()
            .toList();
    assertThat(names).as(last.log()).containsExactly("0.9.0", "1.2.0", "1.3.0", "7.7.7");
    assertThat(last.result().retired()).extracting(r -> r.name()).containsExactly("shared/1.1.0");
    List<String> disks =
        list(rg, COMPUTE + "/disks?api-version=2024-03-02").stream()
            .map(d -> d.get("name").asText())
            .toList();
    // 4 of this app's disks were made; 1.0.0's went with the second publish's retention, 1.1.0's
    // now.
    assertThat(disks).hasSize(3);
  }

  @Test
  void aVersionThatIsNotSemanticIsRefusedBeforeAnyUpload() throws IOException {
    String rg = arm.newResourceGroup("pub");
    String yaml = AzurePublish.yaml(arm, AzurePublish.uniqueApp("semver"), "1.0.0-rc1", rg, 0, "");
    assertThatThrownBy(
            () ->
                AzurePublish.publish(
                    arm, AzurePublish.config(dir, yaml), disk(dir, 3), dir, new MemoryJournal()))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("MAJOR.MINOR.PATCH");
    assertThat(list(rg, COMPUTE + "/disks?api-version=2024-03-02")).isEmpty();
    assertThat(Files.exists(dir)).isTrue();
  }
}
