package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code unideploy convert} and {@code inspect}: results, atomic output and one-line errors. */
class ConvertCommandTest {
  @TempDir Path dir;
  private Path raw;
  private String rawSha;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @BeforeEach
  void writeRaw() throws Exception {
    byte[] disk = new byte[3 << 20];
    byte[] data = new byte[300_000];
    new Random(1).nextBytes(data);
    System.arraycopy(data, 0, disk, 1 << 20, data.length);
    raw = dir.resolve("disk.raw");
    Files.write(raw, disk);
    rawSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(disk));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"raw", "vmdk-stream", "vmdk-sparse", "vhd-fixed", "vhd-dynamic", "gce-tar"})
  void convertsAndReportsAJsonResult(String to) throws IOException {
    Path out = dir.resolve("out." + to);
    Run r =
        run(
            "convert",
            raw.toString(),
            out.toString(),
            "--to",
            to,
            "--output",
            "json",
            "--sha256",
            "--digest");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("inputFormat").asText()).isEqualTo("raw");
    assertThat(json.get("outputFormat").asText()).isEqualTo(to);
    assertThat(json.get("virtualSize").asLong()).isEqualTo(3 << 20);
    assertThat(json.get("outputBytes").asLong()).isEqualTo(Files.size(out));
    assertThat(json.get("sha256").asText()).isEqualTo(rawSha);
    assertThat(json.get("contentHash").asText()).matches("[0-9a-f]{64}");
    assertThat(json.get("elapsedSeconds").asDouble()).isGreaterThanOrEqualTo(0);
    assertNoPartialFiles();
  }

  @Test
  void hashesAreOnlyComputedWhenAskedFor() throws IOException {
    Path out = dir.resolve("out.raw");
    Run r = run("convert", raw.toString(), out.toString(), "--to", "raw", "--output", "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.has("sha256")).isFalse();
    assertThat(json.has("contentHash")).isFalse();
  }

  @Test
  void convertedImageInspectsToTheSameHash() throws IOException {
    Path out = dir.resolve("out.vmdk");
    Run c =
        run(
            "convert",
            raw.toString(),
            out.toString(),
            "--to",
            "vmdk-stream",
            "--digest",
            "--output",
            "json");
    assertThat(c.code()).as(c.err()).isZero();
    String contentHash = new ObjectMapper().readTree(c.out()).get("contentHash").asText();
    Run r = run("inspect", out.toString(), "--sha256", "--output", "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("contentHash").asText()).isEqualTo(contentHash);
    assertThat(json.get("format").asText()).isEqualTo("vmdk");
    assertThat(json.get("virtualSize").asLong()).isEqualTo(3 << 20);
    assertThat(json.get("sha256").asText()).isEqualTo(rawSha);
    assertThat(json.get("extentCount").asLong()).isPositive();
  }

  @Test
  void missingInputIsOneLineAndWritesNothing() throws IOException {
    Path out = dir.resolve("out.vmdk");
    Run r = run("convert", dir.resolve("nope.raw").toString(), out.toString(), "--to", "raw");
    assertOneLineFailure(r, "nope.raw: no such file");
    assertThat(out).doesNotExist();
    assertNoPartialFiles();
  }

  @Test
  void corruptInputIsOneLineAndWritesNothing() throws IOException {
    Path bad = dir.resolve("bad.qcow2");
    byte[] header = new byte[4096];
    header[0] = 'Q';
    header[1] = 'F';
    header[2] = 'I';
    header[3] = (byte) 0xfb;
    header[7] = 3; // version 3, then nonsense: no cluster bits, no size
    Files.write(bad, header);
    Path out = dir.resolve("out.raw");
    Run r = run("convert", bad.toString(), out.toString(), "--to", "raw");
    assertOneLineFailure(r, "bad.qcow2");
    assertThat(out).doesNotExist();
    assertNoPartialFiles();
  }

  @Test
  void unwritableOutputIsOneLine() throws IOException {
    Path notAFolder = dir.resolve("file.txt");
    Files.writeString(notAFolder, "x");
    Path out = notAFolder.resolve("out.raw");
    Run r = run("convert", raw.toString(), out.toString(), "--to", "raw");
    assertOneLineFailure(r, "cannot write " + out);
    assertNoPartialFiles();
  }

  @Test
  void refusesToOverwriteWithoutForce() throws IOException {
    Path out = dir.resolve("out.raw");
    Files.writeString(out, "keep me");
    Run r = run("convert", raw.toString(), out.toString(), "--to", "raw");
    assertOneLineFailure(r, "already exists; pass --force");
    assertThat(Files.readString(out)).isEqualTo("keep me");
    Run forced = run("convert", raw.toString(), out.toString(), "--to", "raw", "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(Files.mismatch(out, raw)).isEqualTo(-1L);
    assertNoPartialFiles();
  }

  @Test
  void neverReplacesADeviceOrAFolderEvenWithForce() throws Exception {
    // The final rename would put a regular file where, say, /dev/null was. A FIFO in the test's
    // folder stands in for the device, so a regression cannot break the machine.
    Path fifo = dir.resolve("a-fifo");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Run r = run("convert", raw.toString(), fifo.toString(), "--to", "raw", "--force");
    assertOneLineFailure(r, "not a regular file");
    assertThat(Files.isRegularFile(fifo)).isFalse();
    Path folder = Files.createDirectory(dir.resolve("a-folder"));
    assertOneLineFailure(
        run("convert", raw.toString(), folder.toString(), "--to", "raw", "--force"), "is a folder");
    assertThat(folder).isDirectory();
  }

  @Test
  void sameInputGivesTheSameBytesAndMtimeIsHonoured() throws IOException {
    Path a = dir.resolve("a.tar.gz");
    Path b = dir.resolve("b.tar.gz");
    Path c = dir.resolve("c.tar.gz");
    assertThat(run("convert", raw.toString(), a.toString(), "--to", "gce-tar").code()).isZero();
    assertThat(run("convert", raw.toString(), b.toString(), "--to", "gce-tar").code()).isZero();
    assertThat(Files.mismatch(a, b)).isEqualTo(-1L);
    assertThat(
            run("convert", raw.toString(), c.toString(), "--to", "gce-tar", "--mtime", "1700000000")
                .code())
        .isZero();
    assertThat(Files.mismatch(a, c)).isNotEqualTo(-1L);
  }

  @Test
  void unknownTargetFormatIsAUsageError() {
    Run r = run("convert", raw.toString(), dir.resolve("o").toString(), "--to", "vdi");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("vmdk-stream").contains("gce-tar");
  }

  private static void assertOneLineFailure(Run r, String expected) {
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
    assertThat(r.err()).startsWith("unideploy: ").contains(expected);
  }

  private void assertNoPartialFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains(".partial-"));
    }
  }
}
