package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --provider local} and the {@code images} / {@code instances} commands, through the
 * CLI as a user runs them: a second release replaces the first only once it is healthy, state is
 * read back by later commands, and {@code instances stop --all} leaves no QEMU running.
 */
class LocalDeployCliTest {
  @TempDir Path tmp;

  private String home() {
    return tmp.resolve("home").toString();
  }

  @AfterEach
  void stopAll() throws Exception {
    Cli.run("instances", "stop", "--all", "--home", home());
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU processes left running").isEmpty();
  }

  private Cli.Run deploy(Path image, String version) {
    return Cli.run(
        "deploy",
        "--provider",
        "local",
        "--image",
        image.toString(),
        "--app",
        "web",
        "--version",
        version,
        "--instances",
        "2",
        "--port",
        "8080",
        "--ready",
        SampleUnikernel.READY_REGEX,
        "--timeout",
        "240",
        "--home",
        home(),
        "--state",
        tmp.resolve("state").toString(),
        "--output",
        "json");
  }

  @Test
  void deployReplacesTheReleaseOnlyWhenTheNewOneIsHealthy() throws Exception {
    Path v1 =
        SampleUnikernel.write(
            tmp.resolve("v1.raw"), new SampleUnikernel.Options(4L << 20, "v1", 2));
    Path v2 =
        SampleUnikernel.write(
            tmp.resolve("v2.raw"), new SampleUnikernel.Options(4L << 20, "v2", 2));

    Cli.Run first = deploy(v1, "1");
    assertThat(first.code()).as(first.out()).isZero();
    JsonNode r1 = first.json();
    assertThat(r1.at("/group").asText()).isEqualTo("web-v001");
    assertThat(r1.has("previous")).isFalse();
    assertThat(r1.at("/publish/verify/bootSeconds").asDouble()).isPositive();
    assertThat(r1.at("/instances")).hasSize(2);
    for (JsonNode i : r1.at("/instances")) {
      assertThat(i.at("/state").asText()).isEqualTo("healthy");
      assertThat(i.at("/detail").asText()).contains("READY sample-unikernel v1");
    }

    Cli.Run second = deploy(v2, "2");
    assertThat(second.code()).as(second.out()).isZero();
    JsonNode r2 = second.json();
    assertThat(r2.at("/group").asText()).isEqualTo("web-v002");
    assertThat(r2.at("/previous").asText()).isEqualTo("web-v001");
    assertThat(r2.at("/kept/0").asText()).as("kept at size 0 for rollback").isEqualTo("web-v001");

    JsonNode list = Cli.run("instances", "list", "--home", home(), "--output", "json").json();
    List<String> names = new ArrayList<>();
    list.at("/instances").forEach(i -> names.add(i.at("/id").asText()));
    assertThat(names).containsExactly("web-v002-0", "web-v002-1");
    list.at("/instances")
        .forEach(
            i -> {
              assertThat(i.at("/lifecycle").asText()).isEqualTo("running");
              assertThat(i.at("/inService").asBoolean()).isTrue();
            });
    assertThat(QemuProcesses.mentioning(tmp)).hasSize(2);

    JsonNode logs =
        Cli.run("instances", "logs", "web-v002-1", "--home", home(), "--output", "json").json();
    assertThat(logs.at("/lines").toString()).contains("READY sample-unikernel v2");

    JsonNode images = Cli.run("images", "list", "--home", home(), "--output", "json").json();
    assertThat(images.at("/images")).hasSize(2);
    assertThat(images.at("/images/1/attributes/tags").asText()).contains("latest");

    // The image the instances run cannot be deleted by accident.
    String running = images.at("/images/1/id").asText();
    assertThat(Cli.run("images", "delete", running, "--home", home()).code()).isEqualTo(1);
    // Nor can the image of the group kept at size 0: it is what a rollback boots.
    String old = images.at("/images/0/id").asText();
    Cli.Run kept = Cli.run("images", "delete", old, "--home", home());
    assertThat(kept.code()).isEqualTo(1);

    Cli.Run stop = Cli.run("instances", "stop", "web-v002-0", "--home", home(), "--output", "json");
    assertThat(stop.code()).isZero();
    JsonNode after = Cli.run("instances", "list", "--home", home(), "--output", "json").json();
    assertThat(after.at("/instances")).hasSize(1);
    assertThat(after.at("/instances/0/id").asText()).isEqualTo("web-v002-1");
    assertThat(after.at("/instances/0/lifecycle").asText()).isEqualTo("running");
    assertThat(QemuProcesses.mentioning(tmp)).hasSize(1);
  }

  @Test
  void aReleaseThatNeverGetsReadyIsRolledBackAndTheOldOneKeepsServing() throws Exception {
    Path v1 =
        SampleUnikernel.write(
            tmp.resolve("v1.raw"), new SampleUnikernel.Options(4L << 20, "v1", 2));
    assertThat(deploy(v1, "1").code()).isZero();

    Cli.Run bad =
        Cli.run(
            "deploy",
            "--image",
            v1.toString(),
            "--app",
            "web",
            "--version",
            "1b",
            "--ready",
            "THIS NEVER APPEARS",
            "--no-verify",
            "--timeout",
            "5",
            "--instances",
            "1",
            "--home",
            home(),
            "--state",
            tmp.resolve("state").toString());
    assertThat(bad.code()).isEqualTo(1);

    JsonNode list = Cli.run("instances", "list", "--home", home(), "--output", "json").json();
    List<String> names = new ArrayList<>();
    list.at("/instances").forEach(i -> names.add(i.at("/id").asText()));
    assertThat(names).containsExactly("web-v001-0", "web-v001-1");
    assertThat(QemuProcesses.mentioning(tmp)).hasSize(2);
  }
}
