package dev.unideploy.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  /** A provider's own settings type, bound from its section. */
  public record Sample(String region, int count) {}

  private Path write(String yaml) throws Exception {
    Path f = dir.resolve("unideploy.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void readsAppPublishAndProviderSections() throws Exception {
    DeployConfig c =
        ConfigLoader.load(
            write(
                "app: hello\nversion: 1.2.0\npublish:\n  architecture: arm64\n"
                    + "  bootMode: uefi\n  keep: 3\nproviders:\n  aws:\n    region: eu-west-1\n"
                    + "    count: 2\n"));

    assertThat(c.app()).isEqualTo("hello");
    assertThat(c.publish().architecture()).isEqualTo(PublishSettings.Architecture.ARM64);
    assertThat(c.publish().bootMode()).isEqualTo(PublishSettings.BootMode.UEFI);
    assertThat(c.publish().keep()).isEqualTo(3);
    assertThat(c.publish().nameTemplate()).isEqualTo("{app}-{version}-{sha8}");
    assertThat(c.providerSettings("aws", Sample.class)).isEqualTo(new Sample("eu-west-1", 2));
    assertThat(c.providerSection("gcp").isEmpty()).isTrue();
  }

  @Test
  void amountsAreBareNumbersOrShares() throws Exception {
    DeploySettings d =
        ConfigLoader.load(
                write(
                    "app: hello\ndeploy:\n  instances: 4\n  steps: [1, 50%, 100%]\n"
                        + "  maxSurge: 1\n  maxUnavailable: '0'\n  minHealthy: 75%\n"))
            .deploy();

    assertThat(d.steps()).containsExactly(Amount.count(1), Amount.percent(50), Amount.percent(100));
    assertThat(d.canarySizes(4)).containsExactly(1, 2, 4);
    assertThat(d.maxSurge()).isEqualTo(Amount.count(1));
    assertThat(d.maxUnavailable()).isEqualTo(Amount.count(0));
    assertThat(d.minHealthyOf(4)).isEqualTo(3);
  }

  @Test
  void negativeAmountSaysWhatIsAllowed() throws Exception {
    Path f = write("app: hello\ndeploy:\n  maxSurge: -1\n");
    assertThatThrownBy(() -> ConfigLoader.load(f))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("deploy.maxSurge")
        .hasMessageContaining("must be >= 0");
  }

  @Test
  void unknownKeyNamesTheKeyAndFile() throws Exception {
    Path f = write("app: hello\npublsh:\n  keep: 2\n");
    assertThatThrownBy(() -> ConfigLoader.load(f))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("unknown key 'publsh'");
  }

  @Test
  void badEnumSaysWhatIsAllowed() throws Exception {
    Path f = write("app: hello\npublish:\n  bootMode: floppy\n");
    assertThatThrownBy(() -> ConfigLoader.load(f))
        .hasMessageContaining("publish.bootMode")
        .hasMessageContaining("use legacy-bios, uefi or uefi-preferred");
  }

  @Test
  void badAppNameIsRefused() throws Exception {
    Path f = write("app: Hello_World\n");
    assertThatThrownBy(() -> ConfigLoader.load(f)).hasMessageContaining("lowercase letters");
  }

  @Test
  void unknownKeyInProviderSectionIsAnError() throws Exception {
    DeployConfig c = ConfigLoader.load(write("app: a\nproviders:\n  aws:\n    regoin: x\n"));
    assertThatThrownBy(() -> c.providerSettings("aws", Sample.class))
        .hasMessageContaining("providers.aws")
        .hasMessageContaining("regoin");
  }

  @Test
  void missingFileSaysWhatToDo() {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml")))
        .hasMessageContaining("does not exist")
        .hasMessageContaining("config-samples");
  }
}
