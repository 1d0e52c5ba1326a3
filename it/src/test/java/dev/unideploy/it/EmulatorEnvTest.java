package dev.unideploy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatorEnvTest {

  @TempDir Path dir;

  @Test
  void missingFileSaysHowToStartTheEmulators() {
    Path file = dir.resolve("env");
    assertThatThrownBy(() -> EmulatorEnv.read(file))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("emulators not running: run scripts/emulators.sh up")
        .hasMessageContaining(file.toString());
  }

  @Test
  void readsKeyValueLinesAndNamesAMissingKey() throws Exception {
    Path file = dir.resolve("env");
    Files.writeString(
        file, "# written by emulators.sh\nMOTO_ENDPOINT=http://127.0.0.1:1\n\nKVM_USABLE=no\n");
    EmulatorEnv env = EmulatorEnv.read(file);

    assertThat(env.motoEndpoint().getPort()).isEqualTo(1);
    assertThat(env.kvmUsable()).isFalse();
    assertThatThrownBy(env::gcsEndpoint)
        .hasMessageContaining("GCS_ENDPOINT")
        .hasMessageContaining(file.toString());
  }

  @Test
  void malformedLineNamesFileAndLine() throws Exception {
    Path file = dir.resolve("env");
    Files.writeString(file, "MOTO_ENDPOINT=x\nnot a pair\n");
    assertThatThrownBy(() -> EmulatorEnv.read(file)).hasMessageContaining(file + " line 2");
  }
}
