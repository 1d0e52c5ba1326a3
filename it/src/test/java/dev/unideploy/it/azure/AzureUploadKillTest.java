package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.specialized.PageBlobClient;
import com.azure.storage.blob.specialized.SpecializedBlobClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.cli.Main;
import dev.unideploy.it.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of {@code unideploy publish --provider azure} in the middle of the page upload, then the
 * same command again: it resumes the same managed disk from the journal, sends no window the first
 * run had acknowledged, registers one gallery image version, and the disk ends up holding exactly
 * the image. {@code deploy --provider azure} publishes through the same steps, so this is also its
 * kill mid-upload.
 */
class AzureUploadKillTest {
  private static final int MIB = 1 << 20;
  private static final int WINDOWS = 256;

  @TempDir Path dir;

  /** 1 GiB with 1 MiB of random data at the start of every 4 MiB window (256 windows). */
  private Path image() throws IOException {
    Path file = dir.resolve("big.img");
    Random r = new Random(7);
    byte[] mib = new byte[MIB];
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int w = 0; w < WINDOWS; w++) {
        r.nextBytes(mib);
        ch.write(ByteBuffer.wrap(mib), (long) w * 4 * MIB);
      }
      ch.truncate(WINDOWS * 4L * MIB);
    }
    return file;
  }

  /** {@code unideploy publish} in its own JVM, signed in to the fake through the environment. */
  private ChildJvm start(ArmFake arm, Path config, Path disk, Path log) throws IOException {
    return ChildJvm.start(
        Main.class,
        List.of(
            "publish",
            "--output",
            "json",
            "--provider",
            "azure",
            "--image",
            disk.toString(),
            "--config",
            config.toString(),
            "--no-verify",
            "--state",
            dir.resolve("state").toString()),
        arm.cliCredentials(),
        dir.resolve("home"),
        log);
  }

  private static List<JsonNode> acks(Path journal) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(journal)) {
      return out;
    }
    for (String line : Files.readAllLines(journal)) {
      if (line.contains("azure-windows-acknowledged")) {
        try {
          out.add(ArmFake.JSON.readTree(line));
        } catch (IOException e) {
          // a line cut short by the kill: never acknowledged
        }
      }
    }
    return out;
  }

  private static TreeSet<Integer> windows(List<JsonNode> acks) {
    TreeSet<Integer> s = new TreeSet<>();
    acks.forEach(a -> a.at("/data/windows").forEach(w -> s.add(w.asInt())));
    return s;
  }

  @Test
  void killedMidUploadResumesTheSameDiskWithoutResendingWindows() throws Exception {
    ArmFake arm = ArmFake.get();
    String rg = arm.newResourceGroup("kill");
    String app = AzurePublish.uniqueApp("kill");
    Path config = dir.resolve("kill.yaml");
    Files.writeString(
        config, AzurePublish.cliYaml(arm, app, "1.0.0", rg, 0, "upload: {concurrency: 1}"));
    Path disk = image();
    Path journal = dir.resolve("state").resolve("journal").resolve(app + "-azure.jsonl");

    // Acknowledgements reach the journal every 32 windows: kill after the first batch.
    String firstLog;
    try (ChildJvm first = start(arm, config, disk, dir.resolve("first.log"))) {
      first.killWhen(
          () -> {
            try {
              return windows(acks(journal)).size() >= 2;
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          },
          Duration.ofSeconds(120));
      firstLog = first.output();
    }
    TreeSet<Integer> before = windows(acks(journal));
    assertThat(before).as(firstLog).isNotEmpty();
    assertThat(before.size())
        .as("killed before the upload finished: " + firstLog)
        .isLessThan(WINDOWS);
    int linesBefore = acks(journal).size();

    String secondLog;
    try (ChildJvm second = start(arm, config, disk, dir.resolve("second.log"))) {
      assertThat(second.await(Duration.ofSeconds(180))).as(second.output()).isZero();
      secondLog = second.output();
    }
    assertThat(secondLog)
        .contains("resuming: " + before.size() + " of " + WINDOWS + " data windows");
    List<JsonNode> all = acks(journal);
    TreeSet<Integer> after = windows(all.subList(linesBefore, all.size()));
    TreeSet<Integer> twice = new TreeSet<>(before);
    twice.retainAll(after);
    assertThat(twice).as("windows sent by both runs").isEmpty();
    TreeSet<Integer> union = new TreeSet<>(before);
    union.addAll(after);
    assertThat(union).hasSize(WINDOWS);

    // One gallery image version, one disk, and the disk holds exactly the image.
    JsonNode versions =
        ArmFake.json(
            arm.send(
                "GET",
                arm.groupPath(rg)
                    + "/providers/Microsoft.Compute/galleries/unideploy/images/"
                    + app
                    + "/versions?api-version=2024-03-03",
                null));
    assertThat(versions.get("value")).hasSize(1);
    String disks = arm.groupPath(rg) + "/providers/Microsoft.Compute/disks";
    JsonNode list = ArmFake.json(arm.send("GET", disks + "?api-version=2024-03-02", null));
    assertThat(list.get("value")).hasSize(1);
    String name = list.get("value").get(0).get("name").asText();
    var grant =
        arm.send(
            "POST",
            disks + "/" + name + "/beginGetAccess?api-version=2024-03-02",
            "{\"access\":\"Read\",\"durationInSeconds\":600}");
    String location = grant.headers().firstValue("Location").orElseThrow();
    var sas = arm.send("GET", location, null);
    for (int i = 0; i < 100 && sas.statusCode() == 202; i++) {
      Thread.sleep(50);
      sas = arm.send("GET", location, null);
    }
    PageBlobClient blob =
        new SpecializedBlobClientBuilder()
            .endpoint(ArmFake.json(sas).get("accessSAS").asText())
            .buildPageBlobClient();
    Path got = dir.resolve("got.vhd");
    blob.downloadToFile(got.toString());
    byte[] a = Files.readAllBytes(got);
    byte[] b = Files.readAllBytes(disk);
    assertThat(a.length).isEqualTo(b.length + 512);
    assertThat(Arrays.equals(a, 0, b.length, b, 0, b.length)).isTrue();
    arm.send("POST", disks + "/" + name + "/endGetAccess?api-version=2024-03-02", null);
  }
}
