package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.it.QemuProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code unideploy demo} end to end, under TCG, checking the summary it reports. */
class DemoTest {
  @TempDir Path tmp;

  @Test
  void demoConvertsBootsPublishesDeploysAndCleansUp() throws Exception {
    long t0 = System.nanoTime();
    Cli.Run run =
        Cli.run(
            "demo",
            "--dir",
            tmp.resolve("work").toString(),
            "--home",
            tmp.resolve("home").toString(),
            "--accel",
            "tcg",
            "--timeout",
            "300",
            "--output",
            "json");
    double wall = (System.nanoTime() - t0) / 1e9;
    assertThat(run.code()).as(run.out()).isZero();
    JsonNode r = run.json();

    List<String> formats = new ArrayList<>();
    for (JsonNode f : r.at("/formats")) {
      formats.add(f.at("/format").asText());
      assertThat(f.at("/bootSeconds").asDouble()).as(f.toString()).isPositive();
      assertThat(f.at("/accelerator").asText()).isEqualTo("tcg");
      assertThat(f.at("/content").asText()).startsWith("same");
      assertThat(Files.size(Path.of(f.at("/file").asText())))
          .isEqualTo(f.at("/fileBytes").asLong());
      assertThat(Files.readString(Path.of(f.at("/serialLog").asText())))
          .contains("READY sample-unikernel demo");
    }
    List<String> expected = new ArrayList<>();
    for (TargetFormat f : TargetFormat.values()) {
      expected.add(f.cliName());
    }
    assertThat(formats).containsExactlyElementsOf(expected);

    JsonNode d = r.at("/deploy");
    assertThat(d.at("/instances")).hasSize(2);
    for (JsonNode i : d.at("/instances")) {
      assertThat(i.at("/state").asText()).isEqualTo("healthy");
    }
    assertThat(r.at("/stopped").asBoolean()).isTrue();
    assertThat(d.at("/publish/image/attributes/path").asText())
        .startsWith(tmp.resolve("home").toString());
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU processes left running").isEmpty();
    System.out.printf(
        "demo wall time: %.1f s (reported %.1f s)%n", wall, r.at("/wallSeconds").asDouble());
  }
}
