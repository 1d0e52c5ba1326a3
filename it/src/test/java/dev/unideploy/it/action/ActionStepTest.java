package dev.unideploy.it.action;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.it.EmulatorEnv;
import dev.unideploy.sample.SampleUnikernel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code unideploy action} run the way the GitHub runner runs the action's step: a separate JVM,
 * the inputs as {@code INPUT_*} variables (hyphens kept, as the runner names them), and the {@code
 * GITHUB_OUTPUT} / {@code GITHUB_STEP_SUMMARY} files; against moto (publish to two regions) and the
 * local provider (a deploy, and a rollout that fails its health gate).
 */
class ActionStepTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** What one step left behind: exit code, log, outputs, summary. */
  record Step(int exit, String log, Map<String, String> outputs, String summary) {}

  private Step run(Map<String, String> inputs, Map<String, String> extraEnv) throws Exception {
    Path output = tmp.resolve("github_output");
    Path summary = tmp.resolve("step_summary");
    Files.writeString(output, "");
    Files.writeString(summary, "");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.unideploy.cli.Main",
                "action")
            .directory(tmp.toFile())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("INPUT_") || k.startsWith("GITHUB_"));
    env.put("GITHUB_ACTIONS", "true");
    env.put("CI", "true");
    env.put("GITHUB_OUTPUT", output.toString());
    env.put("GITHUB_STEP_SUMMARY", summary.toString());
    env.put("RUNNER_TEMP", tmp.toString());
    inputs.forEach((k, v) -> env.put("INPUT_" + k.toUpperCase(java.util.Locale.ROOT), v));
    env.putAll(extraEnv);
    Process p = pb.start();
    byte[] log = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    return new Step(
        p.exitValue(),
        new String(log, StandardCharsets.UTF_8),
        outputs(Files.readString(output)),
        Files.readString(summary));
  }

  /** Parses the runner's multi-line output format (name<<DELIMITER ... DELIMITER). */
  static Map<String, String> outputs(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m =
        Pattern.compile("(?m)^([\\w-]+)<<(\\S+)\\n(.*?)\\n?\\2$", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      out.put(m.group(1), m.group(3));
    }
    return out;
  }

  private Path sample(String tag) throws Exception {
    return SampleUnikernel.write(
        tmp.resolve(tag + ".raw"), new SampleUnikernel.Options(4L << 20, tag, 2));
  }

  /** The log's workflow commands are off from each ::stop-commands:: until its token returns. */
  private static void assertUntrustedTextIsFenced(String log) {
    Matcher stop = Pattern.compile("(?m)^::stop-commands::(\\S+)$").matcher(log);
    assertThat(stop.find()).as("a stop-commands fence in:\n%s", log).isTrue();
    assertThat(log).contains("::" + stop.group(1) + "::");
    assertThat(log.indexOf("::" + stop.group(1) + "::")).isGreaterThan(stop.end());
  }

  @Test
  void publishesToMotoAndWritesOutputsAndSummary() throws Exception {
    String app = "action-" + UUID.randomUUID().toString().substring(0, 8);
    Path config = tmp.resolve("unideploy.yaml");
    Files.writeString(
        config,
        """
        app: %s
        providers:
          aws:
            region: us-east-1
            copyTo: [eu-west-1]
            endpoint: %s
            credentials: {externalId: "s3cr3t-external-id"}
            waits: {available: 60s, copy: 120s, pollInterval: 1s}
        """
            .formatted(app, EmulatorEnv.get().motoEndpoint()));
    Step step =
        run(
            Map.of(
                "command",
                "publish",
                "provider",
                "aws",
                "config",
                config.toString(),
                "image",
                sample("v1").toString(),
                "version",
                "1.0.0",
                "ready",
                SampleUnikernel.READY_REGEX,
                "dry-run",
                "false",
                "state",
                tmp.resolve("state").toString()),
            Map.of(
                "AWS_ACCESS_KEY_ID", "test",
                "AWS_SECRET_ACCESS_KEY", "test",
                "AWS_REGION", "us-east-1"));

    assertThat(step.exit()).as(step.log()).isZero();
    JsonNode images = JSON.readTree(step.outputs().get("images"));
    String home = images.at("/aws/us-east-1").asText();
    assertThat(home).startsWith("ami-");
    assertThat(images.at("/aws/eu-west-1").asText()).startsWith("ami-").isNotEqualTo(home);
    assertThat(step.outputs().get("image-id")).isEqualTo(home);
    assertThat(step.outputs().get("outcome")).isEqualTo("success");
    JsonNode result = JSON.readTree(Files.readString(Path.of(step.outputs().get("result"))));
    assertThat(result.at("/results/aws/image/id").asText()).isEqualTo(home);
    assertThat(step.summary())
        .contains("## unideploy publish: `" + app + "` `1.0.0`")
        .contains("| us-east-1 | [`" + home + "`](https://us-east-1.console.aws.amazon.com/ec2/")
        .contains("boot-verified under QEMU")
        .contains("```mermaid\ntimeline")
        .contains(": upload :");
    assertThat(step.log())
        .contains("::group::unideploy publish on aws")
        .contains("::add-mask::s3cr3t-external-id")
        .doesNotContain("::error");
    assertUntrustedTextIsFenced(step.log());
  }

  @AfterEach
  void stopInstances() throws Exception {
    new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.unideploy.cli.Main",
            "instances",
            "stop",
            "--all",
            "--home",
            tmp.resolve("home").toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start()
        .waitFor(2, TimeUnit.MINUTES);
  }

  private Map<String, String> deployInputs(Path image, String version, String ready) {
    Map<String, String> in = new LinkedHashMap<>();
    in.put("command", "deploy");
    in.put("provider", "local");
    in.put("image", image.toString());
    in.put("app", "web");
    in.put("version", version);
    in.put("ready", ready);
    in.put("instances", "1");
    in.put("state", tmp.resolve("state").toString());
    return in;
  }

  @Test
  void deploysLocallyThenReportsAFailedRolloutWithAnnotationsAndConsole() throws Exception {
    Map<String, String> home = Map.of("UNIDEPLOY_LOCAL_HOME", tmp.resolve("home").toString());
    Step first = run(deployInputs(sample("v1"), "1", SampleUnikernel.READY_REGEX), home);
    assertThat(first.exit()).as(first.log()).isZero();
    assertThat(first.outputs().get("group")).isEqualTo("web-v001");
    assertThat(first.outputs().get("previous-group")).isEmpty();
    assertThat(first.summary()).contains("**In service:** `web-v001`").contains("✅ healthy");

    Map<String, String> bad = deployInputs(sample("v2"), "2", "THIS NEVER APPEARS");
    bad.put("verify", "false");
    bad.put("timeout", "8s");
    Step failed = run(bad, home);

    assertThat(failed.exit()).as(failed.log()).isEqualTo(1);
    assertThat(failed.outputs().get("outcome")).isEqualTo("failed");
    assertThat(failed.outputs().get("group")).isEmpty();
    assertThat(failed.log())
        .containsPattern("(?m)^::error title=unideploy deploy failed on local::");
    assertThat(failed.summary())
        .contains("### ❌ local: failed")
        .contains("<details><summary>console of web-v002-0</summary>")
        .contains("READY sample-unikernel v2");
    assertUntrustedTextIsFenced(failed.log());
    List<String> errorLines = failed.log().lines().filter(l -> l.startsWith("::error")).toList();
    assertThat(errorLines).hasSize(1);
    assertThat(errorLines.get(0)).doesNotContain("\n");
  }
}
