package dev.unideploy.provider.aws.upload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientTokensTest {
  private static final String SHA = "0123456789abcdef".repeat(4);

  @Test
  void theSameUploadGetsTheSameTokenAndANewGenerationANewOne() {
    String key = ClientTokens.uploadKey(SHA, 2, false, null);
    assertThat(ClientTokens.token(key, 0)).isEqualTo(ClientTokens.token(key, 0));
    assertThat(ClientTokens.token(key, 1)).isNotEqualTo(ClientTokens.token(key, 0));
    assertThat(ClientTokens.token(key, 0)).hasSizeLessThanOrEqualTo(64).matches("ud-[0-9a-f]{40}");
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
