package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
  @TempDir Path dir;

  private static MainTest.Run run(String... args) {
    return MainTest.run(Main.newCommandLine(args), args);
  }

  @Test
  void schemaIsJsonSchemaWithEveryProviderSection() throws Exception {
    MainTest.Run r = run("config", "schema");
    assertThat(r.code()).isZero();
    JsonNode schema = new ObjectMapper().readTree(r.out());
    assertThat(schema.at("/$schema").asText()).contains("draft-07");
    assertThat(schema.at("/properties/providers/properties").has("aws")).isTrue();
    assertThat(schema.at("/properties/providers/properties").has("local")).isTrue();
    assertThat(schema.at("/properties/providers/properties/aws/properties/region/type").asText())
        .isEqualTo("string");
  }

  @Test
  void validateListsEveryProblemWithLineNumbersAndSuggestions() throws Exception {
    Path file = dir.resolve("unideploy.yaml");
    Files.writeString(
        file,
        """
        app: hello
        version: "1.0"
        deploy:
          instnces: 2
          strategy: sideways
        providers:
          aws:
            regin: us-east-1
          local:
            memory: 8
        """);
    MainTest.Run r = run("config", "validate", file.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.out().lines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(file + ":4:3: unknown key 'instnces'")
                    .endsWith("did you mean 'instances'?"))
        .anySatisfy(l -> assertThat(l).startsWith(file + ":5:3: deploy.strategy"))
        .anySatisfy(l -> assertThat(l).startsWith(file + ":8:5:").contains("'region'"))
        .anySatisfy(l -> assertThat(l).startsWith(file + ":10:5:").contains("memory must be >= 16"))
        .last()
        .isEqualTo(file + ": 4 problems found");

    MainTest.Run json = run("config", "validate", file.toString(), "--output", "json");
    JsonNode report = new ObjectMapper().readTree(json.out());
    assertThat(report.get("valid").asBoolean()).isFalse();
    assertThat(report.get("problems")).hasSize(4);
    assertThat(report.at("/problems/0/line").asInt()).isEqualTo(4);
  }

  @Test
  void aValidFileSaysSoAndAMissingOneSaysWhatToDo() throws Exception {
    Path file = dir.resolve("ok.yaml");
    Files.writeString(file, "app: hello\nproviders:\n  local: {memory: 64}\n");
    MainTest.Run ok = run("config", "validate", file.toString());
    assertThat(ok.code()).isZero();
    assertThat(ok.out()).contains(": valid");
    MainTest.Run missing = run("config", "validate", dir.resolve("nope.yaml").toString());
    assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(missing.err()).contains("does not exist");
  }
}
