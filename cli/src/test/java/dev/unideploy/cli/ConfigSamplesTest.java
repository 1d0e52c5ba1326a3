package dev.unideploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
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

/** Every file in config-samples/ parses and every provider section in it passes validation. */
class ConfigSamplesTest {
  private static final Path SAMPLES = Path.of("..", "config-samples");

  private static List<Path> samples() throws IOException {
    try (Stream<Path> s = Files.list(SAMPLES)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void thereAreSamplesForTheProvidersThatExist() throws IOException {
    assertThat(samples()).extracting(p -> p.getFileName().toString()).contains("local.yaml");
  }

  @TestFactory
  List<DynamicTest> eachSampleIsValid() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path sample : samples()) {
      tests.add(
          DynamicTest.dynamicTest(
              sample.getFileName().toString(),
              () -> {
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
