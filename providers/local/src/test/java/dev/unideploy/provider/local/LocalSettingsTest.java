package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalSettingsTest {
  private static DeployConfig config(String yaml) throws Exception {
    ObjectNode providers = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return new DeployConfig("web", "1", null, null, null, null, null, providers);
  }

  @Test
  void bindsTheLocalSection() throws Exception {
    LocalSettings s =
        config("local:\n  home: /h\n  memory: 512\n  accelerator: TCG\n")
            .providerSettings("local", LocalSettings.class);
    assertThat(s.home()).isEqualTo("/h");
    assertThat(s.memoryMiB()).isEqualTo(512);
    assertThat(s.accelerator()).isEqualTo("tcg");
    assertThat(s.endpoint()).isEqualTo(LocalSettings.Endpoint.defaults());
    LocalSettings e =
        config("local:\n  endpoint:\n    port: 8080\n    drain: 30s\n")
            .providerSettings("local", LocalSettings.class);
    assertThat(e.endpoint().port()).isEqualTo(8080);
    assertThat(e.endpoint().address()).isEqualTo("127.0.0.1");
    assertThat(e.endpoint().drain()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aTypoIsAnErrorNamingTheKey() {
    assertThatThrownBy(() -> new LocalProvider().validate(config("local:\n  memroy: 2\n")))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("providers.local")
        .hasMessageContaining("memroy");
    assertThatThrownBy(() -> new LocalProvider().validate(config("local:\n  accelerator: hvf\n")))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("use auto, kvm or tcg");
  }

  @Test
  void homeComesFromConfigThenEnvironmentThenUserHome() {
    Path user = Path.of("/home/u");
    assertThat(LocalHome.resolve(LocalSettings.defaults(), Map.of(), user).home())
        .isEqualTo(Path.of("/home/u/.unideploy/local"));
    assertThat(LocalHome.resolve(LocalSettings.defaults(), Map.of(LocalHome.ENV, "/tmp/lh"), user))
        .isEqualTo(new LocalHome(Path.of("/tmp/lh"), Path.of("/tmp/lh/images")));
    LocalSettings s = new LocalSettings("~/x", "/srv/store", null, null);
    assertThat(LocalHome.resolve(s, Map.of(LocalHome.ENV, "/tmp/lh"), user))
        .isEqualTo(new LocalHome(Path.of("/home/u/x"), Path.of("/srv/store")));
  }

  @Test
  void settingsRoundTripThroughAConfigTree() {
    LocalSettings s =
        new LocalSettings(
            "/h",
            null,
            64,
            "tcg",
            new LocalSettings.Endpoint("0.0.0.0", 8080, Duration.ofSeconds(3)));
    ObjectMapper json =
        new ObjectMapper()
            .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
            .disable(
                com.fasterxml.jackson.databind.SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
    ObjectNode providers = json.createObjectNode();
    providers.set("local", json.valueToTree(s));
    DeployConfig c = new DeployConfig("web", "1", null, null, null, null, null, providers);
    new LocalProvider().validate(c);
    assertThat(c.providerSettings("local", LocalSettings.class)).isEqualTo(s);
  }
}
