package dev.unideploy.pipeline.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.Provider;
import dev.unideploy.pipeline.spi.ProviderContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValidatorTest {

  /** A provider's settings, shaped like the real ones: a nested record, a check in code. */
  record ToySettings(
      @JsonProperty("zone") String zone,
      @JsonProperty("size") Integer size,
      @JsonProperty("wait") Duration waitFor,
      @JsonProperty("disk") Disk disk) {
    @JsonCreator
    ToySettings {
      if (zone != null && !zone.startsWith("z-")) {
        throw new IllegalArgumentException("zone '" + zone + "' must start with z-");
      }
      size = size == null ? 3 : size;
    }
  }

  record Disk(@JsonProperty("kind") String kind, @JsonProperty("gib") Integer gib) {}

  static final class Toy implements Provider {
    @Override
    public String name() {
      return "toy";
    }

    @Override
    public void validate(DeployConfig config) {
      config.providerSettings("toy", ToySettings.class);
    }

    @Override
    public Class<ToySettings> settingsType() {
      return ToySettings.class;
    }

    @Override
    public ImagePublisher publisher(ProviderContext context) {
      throw new UnsupportedOperationException("the toy provider only has settings to validate");
    }

    @Override
    public Fleet fleet(ProviderContext context) {
      throw new UnsupportedOperationException("the toy provider only has settings to validate");
    }
  }

  private static final ConfigValidator VALIDATOR = ConfigValidator.forProviders(List.of(new Toy()));

  private static List<ConfigProblem> problems(String yaml) {
    return VALIDATOR.validate("u.yaml", yaml).problems();
  }

  @Test
  void aGoodFileHasNoProblems() {
    assertThat(
            problems(
                """
                app: web
                version: "1.2.3"
                health: {serial: "READY", timeout: 90s}
                deploy: {instances: 2, ports: [8080], bake: PT1M}
                providers:
                  toy: {zone: z-1, wait: 15m, disk: {kind: ssd, gib: 8}}
                """))
        .isEmpty();
  }

  @Test
  void everyProblemIsReportedAtOnceWithItsLineAndColumn() {
    List<ConfigProblem> found =
        problems(
            """
            app: web
            deploy:
              instancs: 2
              ports: [8080, "http"]
            health:
              timeout: soon
            providers:
              toy:
                zone: eu-1
                disk: {kidn: ssd}
              toi: {}
            """);

    assertThat(found)
        .extracting(p -> p.line() + ":" + p.column() + " " + p.path())
        .containsExactly(
            "3:3 deploy.instancs",
            "4:17 deploy.ports[1]",
            "6:3 health.timeout",
            "9:5 providers.toy.zone",
            "10:12 providers.toy.disk.kidn",
            "11:3 providers.toi");
    assertThat(found.get(0).suggestion()).isEqualTo("instances");
    assertThat(found.get(0).message()).contains("unknown key 'instancs' in deploy");
    assertThat(found.get(2).message()).contains("'soon' is not a duration");
    assertThat(found.get(3).message()).contains("must start with z-");
    assertThat(found.get(4).suggestion()).isEqualTo("kind");
    assertThat(found.get(5).suggestion()).isEqualTo("toy");
    assertThat(found.get(0).describe("u.yaml"))
        .startsWith("u.yaml:3:3: unknown key")
        .endsWith("did you mean 'instances'?");
  }

  @Test
  void aNumberWhereTextIsExpectedSaysToQuoteIt() {
    List<ConfigProblem> found = problems("app: web\nversion: 1.10\n");
    assertThat(found).hasSize(1);
    assertThat(found.get(0).message()).contains("quote it").contains("1.1");
  }

  @Test
  void badYamlIsOneProblemAtTheParserLocation() {
    List<ConfigProblem> found = problems("app: web\ndeploy: [\n");
    assertThat(found).hasSize(1);
    assertThat(found.get(0).message()).startsWith("not valid YAML");
    assertThat(found.get(0).line()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void farFetchedKeysGetNoSuggestion() {
    assertThat(KeySuggestion.closest("colour", List.of("instances", "ports"))).isNull();
    assertThat(KeySuggestion.closest("Ports", List.of("instances", "ports"))).isEqualTo("ports");
  }

  @Test
  void theSchemaCarriesTypesEnumsDefaultsAndProviderSections() {
    JsonNode schema = ConfigSchema.generate(Map.of("toy", ToySettings.class));
    JsonNode deploy = schema.at("/properties/deploy/properties");
    assertThat(deploy.at("/strategy/enum").toString()).contains("blue-green", "canary");
    assertThat(deploy.at("/strategy/default").asText()).isEqualTo("blue-green");
    assertThat(deploy.at("/instances/default").asInt()).isEqualTo(1);
    assertThat(schema.at("/properties/health/properties/timeout/default").asText()).isEqualTo("3m");
    assertThat(schema.at("/properties/providers/properties/toy/properties/size/default").asInt())
        .isEqualTo(3);
    assertThat(schema.at("/properties/providers/additionalProperties").asBoolean()).isFalse();
    assertThat(schema.at("/properties/publish/additionalProperties").asBoolean()).isFalse();
    assertThat(schema.at("/properties/app/description").asText()).isNotBlank();
  }

  @Test
  void durationsAreWrittenTheShortestExactWay() {
    assertThat(ConfigSchema.durationText(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(ConfigSchema.durationText(Duration.ofMinutes(30))).isEqualTo("30m");
    assertThat(ConfigSchema.durationText(Duration.ofDays(2))).isEqualTo("2d");
    assertThat(ConfigSchema.durationText(Duration.ofMillis(1500))).isEqualTo("1500ms");
  }
}
