package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.image.DiskImage;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.convert.ImageOpener;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.publish.PublishPipeline;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.local.LocalProvider;
import dev.unideploy.sample.SampleUnikernel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** images / instances commands on a local home, without QEMU. */
class LocalCommandsTest {
  @TempDir Path tmp;

  private record Run(int code, String out, String err) {
    JsonNode json() throws Exception {
      return new ObjectMapper().readTree(out);
    }
  }

  private static Run run(String... args) {
    CommandLine cl = Main.newCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private void publish(String app, String version, String tag) throws Exception {
    Path image =
        SampleUnikernel.write(
            tmp.resolve(tag + ".raw"), new SampleUnikernel.Options(2L << 20, tag, 2));
    ObjectNode providers = new ObjectMapper().createObjectNode();
    providers.putObject("local").put("home", tmp.resolve("home").toString());
    ProviderContext ctx =
        new ProviderContext(
            new DeployConfig(app, version, null, null, null, null, null, providers),
            EventSink.discard(),
            new MemoryJournal(),
            tmp.resolve("work"),
            Clock.systemUTC());
    try (DiskImage disk = ImageOpener.open(image, null)) {
      new PublishPipeline("local", new LocalProvider().publisher(ctx), ctx, tmp.toString())
          .publish(disk, image, new PublishPipeline.Options(null, false));
    }
  }

  private String home() {
    return tmp.resolve("home").toString();
  }

  @Test
  void imagesListShowsWhatWasPublishedAndDeleteRemovesIt() throws Exception {
    publish("web", "1", "a");
    publish("web", "2", "b");
    publish("api", "1", "c");

    JsonNode all = run("images", "list", "--home", home(), "--output", "json").json();
    assertThat(all.at("/images")).hasSize(3);
    assertThat(all.at("/images/0/app").asText()).isEqualTo("api");
    Run text = run("images", "list", "--home", home(), "--app", "web");
    assertThat(text.out()).contains("ID", "NAME", "web-2-", "latest").doesNotContain("api-1-");

    Run ambiguous = run("images", "delete", "web", "--home", home());
    assertThat(ambiguous.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(ambiguous.err()).contains("matches 2 images").contains("--all");

    Run latest = run("images", "delete", "web:latest", "--home", home(), "--output", "json");
    assertThat(latest.code()).isZero();
    assertThat(latest.json().at("/images/0/version").asText()).isEqualTo("2");
    assertThat(latest.json().at("/images/0/attributes/deletedFiles").asText()).contains(".raw");

    assertThat(run("images", "delete", "web", "--all", "--home", home()).code()).isZero();
    JsonNode left = run("images", "list", "--home", home(), "--output", "json").json();
    assertThat(left.at("/images")).hasSize(1);

    Run missing = run("images", "delete", "nope", "--home", home());
    assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(missing.err()).contains("no image matches 'nope'");
  }

  @Test
  void instancesCommandsOnAnEmptyHome() throws Exception {
    assertThat(run("instances", "list", "--home", home()).out()).contains("no instances");
    Run logs = run("instances", "logs", "web-v001-0", "--home", home());
    assertThat(logs.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(logs.err()).contains("no instance called web-v001-0");
    Run stop = run("instances", "stop", "--home", home());
    assertThat(stop.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(stop.err()).contains("--all");
    assertThat(run("instances", "stop", "--all", "--home", home()).out())
        .contains("nothing was running");
  }

  @Test
  void deployWithoutAnImageSaysHowToGiveOne() {
    Run r = run("deploy", "--app", "web", "--home", home(), "--state", tmp.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("no image: pass --image FILE");
  }

  @Test
  void demoRejectsAnUnknownAccelerator() {
    Run r = run("demo", "--accel", "hvf", "--dir", tmp.toString(), "--home", home());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("--accel must be auto, kvm or tcg");
  }

  @Test
  void aMissingQemuIsReportedWithTheInstallCommand() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> dev.unideploy.sample.demo.Demo.requireQemu(tmp.resolve("no-such-qemu")))
        .hasMessageContaining("was not found")
        .hasMessageContaining("apt-get install qemu-system-x86 qemu-utils");
  }

  @Test
  void tableAlignsColumns() {
    StringWriter s = new StringWriter();
    new Table("A", "LONGER").row("xyz", 1).row(null, "2").print(new PrintWriter(s, true));
    assertThat(s.toString().split("\n")).containsExactly("A    LONGER", "xyz  1", "-    2");
  }
}
