package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances outlive the unideploy process that deployed them: a deploy runs in a child JVM that
 * exits, and a later run (this JVM) still lists them healthy and can stop them.
 */
class SurvivesExitTest {
  @TempDir Path tmp;

  @AfterEach
  void stopAll() throws Exception {
    Cli.run("instances", "stop", "--all", "--home", tmp.resolve("home").toString());
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU processes left running").isEmpty();
  }

  @Test
  void instancesStartedByAnExitedProcessAreStillListedAndStoppable() throws Exception {
    Path image =
        SampleUnikernel.write(
            tmp.resolve("v1.raw"), new SampleUnikernel.Options(4L << 20, "exit", 2));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.unideploy.cli.Main",
                "deploy",
                "--image",
                image.toString(),
                "--app",
                "exit",
                "--instances",
                "2",
                "--ready",
                SampleUnikernel.READY_REGEX,
                "--no-verify",
                "--timeout",
                "240",
                "--home",
                tmp.resolve("home").toString(),
                "--state",
                tmp.resolve("state").toString()));
    Process child =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("deploy.log").toFile())
            .start();
    assertThat(child.waitFor(300, TimeUnit.SECONDS)).as("deploy finished").isTrue();
    assertThat(child.exitValue()).as(Files.readString(tmp.resolve("deploy.log"))).isZero();

    JsonNode list =
        Cli.run("instances", "list", "--home", tmp.resolve("home").toString(), "--output", "json")
            .json();
    assertThat(list.at("/instances")).hasSize(2);
    for (JsonNode i : list.at("/instances")) {
      assertThat(i.at("/lifecycle").asText()).as(i.toString()).isEqualTo("running");
      assertThat(ProcessHandle.of(i.at("/attributes/pid").asLong())).isPresent();
    }
    assertThat(QemuProcesses.mentioning(tmp)).hasSize(2);
  }
}
