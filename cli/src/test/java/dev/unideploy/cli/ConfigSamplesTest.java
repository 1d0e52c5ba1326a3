package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.ResultJson;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.schema.ConfigReport;
import dev.unideploy.pipeline.config.schema.ConfigSchema;
import dev.unideploy.pipeline.spi.Providers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file in config-samples/ parses, passes {@code config validate} and names the shipped
 * schema, which is the one the code generates.
 */
class ConfigSamplesTest {
  private static final Path SAMPLES = Path.of("..", "config-samples");
  private static final Path SHIPPED_SCHEMA = Path.of("..", ConfigSchema.REPOSITORY_FILE);
  static final String SCHEMA_COMMENT = "# yaml-language-server: $schema=unideploy.schema.json";

  @Test
  void theShippedSchemaIsTheGeneratedOne() throws IOException {
    String generated = ResultJson.write(ConfigCommand.validator().schema()) + "\n";
    assertThat(Files.readString(SHIPPED_SCHEMA))
        .as(
            "%s is stale: regenerate it with"
                + " java -jar cli/target/unideploy.jar config schema > %s",
            SHIPPED_SCHEMA, ConfigSchema.REPOSITORY_FILE)
        .isEqualTo(generated);
  }

  private static List<Path> samples() throws IOException {
    try (Stream<Path> s = Files.list(SAMPLES)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void thereAreSamplesForTheProvidersThatExist() throws IOException {
    assertThat(samples()).extracting(p -> p.getFileName().toString()).contains("local.yaml");
  }

  @Test
  void docsConfigurationDescribesEveryKey() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
    List<String> missing = new ArrayList<>();
    keys(ConfigCommand.validator().schema(), "", missing, doc);
    assertThat(missing)
        .as("keys missing from docs/configuration.md (its table is generated from the schema)")
        .isEmpty();
  }

  private static void keys(
      com.fasterxml.jackson.databind.JsonNode schema,
      String prefix,
      List<String> missing,
      String doc) {
    schema
        .path("properties")
        .properties()
        .forEach(
            e -> {
              String path = prefix + e.getKey();
              if (!doc.contains("`" + path + "`")) {
                missing.add(path);
              }
              keys(e.getValue(), path + ".", missing, doc);
            });
  }

  @TestFactory
  List<DynamicTest> eachSampleIsValid() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path sample : samples()) {
      tests.add(
          DynamicTest.dynamicTest(
              sample.getFileName().toString(),
              () -> {
                String text = Files.readString(sample);
                assertThat(text.lines().findFirst().orElse(""))
                    .as("first line of %s", sample)
                    .isEqualTo(SCHEMA_COMMENT);
                ConfigReport report = ConfigCommand.validator().validate(sample.toString(), text);
                assertThat(report.problems()).as("config validate %s", sample).isEmpty();
                DeployConfig config = ConfigLoader.load(sample);
                assertThat(config.app()).as("app in %s", sample).isNotBlank();
                List<String> sections = new ArrayList<>();
                config.providers().fieldNames().forEachRemaining(sections::add);
                assertThat(sections).as("provider sections in %s", sample).isNotEmpty();
                for (String name : sections) {
                  Providers.named(name).validate(config);
                }
              }));
    }
    return tests;
  }
}
