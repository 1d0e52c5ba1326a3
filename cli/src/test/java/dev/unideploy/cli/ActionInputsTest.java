package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.unideploy.pipeline.UnideployException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The action's inputs as the runner passes them, its workflow commands and its output file. */
class ActionInputsTest {
  private static final Path ACTION = Path.of("..", "action.yml");

  @Test
  void actionYmlDeclaresAndPassesExactlyTheInputsTheCommandReads() throws Exception {
    JsonNode action = new ObjectMapper(new YAMLFactory()).readTree(ACTION.toFile());
    List<String> declared = new ArrayList<>();
    action.get("inputs").fieldNames().forEachRemaining(declared::add);
    declared.removeAll(List.of("java-version", "working-directory"));
    assertThat(declared).containsExactlyElementsOf(ActionInputs.NAMES);
    JsonNode env = null;
    for (JsonNode step : action.at("/runs/steps")) {
      if ("run".equals(step.path("id").asText())) {
        env = step.get("env");
      }
    }
    assertThat(env).isNotNull();
    for (String name : ActionInputs.NAMES) {
      String variable = "INPUT_" + name.toUpperCase(java.util.Locale.ROOT);
      assertThat(env.path(variable).asText()).isEqualTo("${{ inputs." + name + " }}");
    }
  }

  @Test
  void readsTheRunnersNamesAndTheShellFriendlyOnes() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("INPUT_COMMAND", "deploy");
    env.put("INPUT_PROVIDER", "local");
    env.put("INPUT_DRY-RUN", "true");
    env.put("INPUT_VERIFY_TIMEOUT", "2m");
    env.put("INPUT_PORTS", "8080, 8443");
    env.put("INPUT_APP", "");
    env.put("RUNNER_TEMP", "/tmp/rt");
    ActionInputs in = ActionInputs.read(env);
    assertThat(in.command()).isEqualTo("deploy");
    assertThat(in.options().dryRunRetire()).isTrue();
    assertThat(in.options().verify()).isTrue();
    assertThat(in.overrides().verifyTimeout()).hasMinutes(2);
    assertThat(in.overrides().ports()).containsExactly(8080, 8443);
    assertThat(in.overrides().app()).as("blank is unset").isNull();
    assertThat(in.resultFile()).isEqualTo(Path.of("/tmp/rt/unideploy-result.json"));

    assertThatThrownBy(() -> ActionInputs.read(Map.of("INPUT_VERIFY", "yes")))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("true or false");
    assertThatThrownBy(
            () -> ActionInputs.read(Map.of("INPUT_COMMAND", "deploy", "INPUT_PROVIDER", "aws,gcp")))
        .hasMessageContaining("one");
  }

  @Test
  void commandsAreEscapedAndUntrustedTextIsFenced() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8);
    WorkflowCommands wf = new WorkflowCommands(log);
    wf.error("a: b, c", "line 1\nline 2 100%");
    try (WorkflowCommands.Untrusted u = wf.untrusted()) {
      log.println("::add-mask::not-a-command");
    }
    wf.mask("ab\nsecret-two");
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(text).startsWith("::error title=a%3A b%2C c::line 1%0Aline 2 100%25\n");
    String token = text.lines().filter(l -> l.startsWith("::stop-commands::")).findFirst().get();
    String resume = "::" + token.substring("::stop-commands::".length()) + "::";
    assertThat(text.indexOf(resume)).isGreaterThan(text.indexOf("::add-mask::not-a-command"));
    assertThat(text).contains("::add-mask::secret-two").doesNotContain("::add-mask::ab\n");
  }

  @Test
  void outputsUseARandomDelimiterSoAValueCannotSetAnother(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("out");
    Map<String, String> outputs = new LinkedHashMap<>();
    outputs.put("group", "web-v001\nEOF\nimage-id<<X\nforged");
    outputs.put("image-id", "ami-1");
    GithubFiles.appendOutputs(file, outputs);
    String text = Files.readString(file);
    assertThat(text).startsWith("group<<ghadelimiter_");
    String delimiter = text.substring("group<<".length(), text.indexOf('\n'));
    assertThat(text)
        .contains("\n" + delimiter + "\nimage-id<<")
        .endsWith("ami-1\n" + text.substring(text.lastIndexOf("ghadelimiter_")));
  }

  @Test
  void summaryTextIsEscapedForTablesHtmlAndMermaid() {
    assertThat(ActionSummary.cell("a|b<script>`x`\nc"))
        .isEqualTo("a&#124;b&lt;script&gt;&#96;x&#96;<br>c");
    assertThat(ActionSummary.mermaid("took: 5s # ; `x`")).doesNotContain(":", "#", ";", "`");
    assertThat(ActionSummary.code("a`b")).isEqualTo("`a'b`");
  }
}
