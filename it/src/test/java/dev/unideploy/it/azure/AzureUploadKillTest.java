package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.specialized.PageBlobClient;
import com.azure.storage.blob.specialized.SpecializedBlobClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of {@code unideploy publish --provider azure} in the middle of the page upload, then the
 * same command again: it resumes the same managed disk from the journal, sends no window the first
 * run had acknowledged, and the disk ends up holding exactly the image.
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

  private Process start(ArmFake arm, Path config, Path disk, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-DAZURE_TENANT_ID=" + arm.tenant());
    cmd.add("-DAZURE_CLIENT_ID=kill-test");
    cmd.add("-DAZURE_CLIENT_SECRET=not-a-secret");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.unideploy.cli.Main");
    cmd.addAll(
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
            dir.resolve("state").toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
        config,
        AzurePublish.yaml(arm, app, "1.0.0", rg, 0, "upload: {concurrency: 1}")
            .replace(
                "caCertificate:", "authorityHost: " + arm.endpoint() + "\n      caCertificate:"));
    Path disk = image();
    Path journal = dir.resolve("state").resolve("journal").resolve(app + "-azure.jsonl");

    // Acknowledgements reach the journal every 32 windows: kill after the first batch.
    Process first = start(arm, config, disk, dir.resolve("first.log"));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (windows(acks(journal)).size() < 2 && first.isAlive() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    first.destroyForcibly(); // SIGKILL
    first.waitFor(30, TimeUnit.SECONDS);
    TreeSet<Integer> before = windows(acks(journal));
    String firstLog = Files.readString(dir.resolve("first.log"));
    assertThat(before).as(firstLog).isNotEmpty();
    assertThat(before.size())
        .as("killed before the upload finished: " + firstLog)
        .isLessThan(WINDOWS);
    int linesBefore = acks(journal).size();

    Process second = start(arm, config, disk, dir.resolve("second.log"));
    assertThat(second.waitFor(180, TimeUnit.SECONDS)).isTrue();
    String secondLog = Files.readString(dir.resolve("second.log"));
    assertThat(second.exitValue()).as(secondLog).isZero();
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

    // One disk, and it holds exactly the image.
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
