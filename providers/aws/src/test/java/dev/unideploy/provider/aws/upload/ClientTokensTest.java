package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientTokensTest {
  private static final String SHA = "0123456789abcdef".repeat(4);

  @Test
  void theSameUploadGetsTheSameTokenAndANewGenerationANewOne() {
    String key = ClientTokens.uploadKey(SHA, 2, false, null);
    Map<String, String> tags = Map.of("Name", "hello-1.0.0", "unideploy:app", "hello");
    assertThat(ClientTokens.token(key, 0, "d", tags))
        .isEqualTo(ClientTokens.token(key, 0, "d", tags));
    assertThat(ClientTokens.token(key, 1, "d", tags))
        .isNotEqualTo(ClientTokens.token(key, 0, "d", tags));
    assertThat(ClientTokens.token(key, 0, "d", tags))
        .hasSizeLessThanOrEqualTo(64)
        .matches("ud-[0-9a-f]{40}");
  }

  @Test
  void everythingStartSnapshotSendsIsCovered() {
    String key = ClientTokens.uploadKey(SHA, 2, false, null);
    Map<String, String> v1 = Map.of("Name", "hello-1.0.0", "unideploy:app", "hello");
    Map<String, String> v2 = Map.of("Name", "hello-1.0.1", "unideploy:app", "hello");
    String base = ClientTokens.token(key, 0, "hello-1.0.0 (disk.img)", v1);
    assertThat(ClientTokens.token(key, 0, "hello-1.0.0 (disk.img)", v2)).isNotEqualTo(base);
    assertThat(ClientTokens.token(key, 0, "hello-1.0.1 (disk.img)", v1)).isNotEqualTo(base);
    // Map order does not matter: the same parameters give the same token.
    assertThat(
            ClientTokens.token(
                key,
                0,
                "hello-1.0.0 (disk.img)",
                new java.util.LinkedHashMap<>(
                    java.util.Map.of("unideploy:app", "hello", "Name", "hello-1.0.0"))))
        .isEqualTo(base);
  }

  @Test
  void settingsThatChangeTheSnapshotChangeTheKey() {
    String plain = ClientTokens.uploadKey(SHA, 2, false, null);
    assertThat(ClientTokens.uploadKey(SHA, 3, false, null)).isNotEqualTo(plain);
    assertThat(ClientTokens.uploadKey(SHA, 2, true, null)).isNotEqualTo(plain);
    assertThat(ClientTokens.uploadKey(SHA, 2, true, "arn:k"))
        .isNotEqualTo(ClientTokens.uploadKey(SHA, 2, true, null));
  }
}
