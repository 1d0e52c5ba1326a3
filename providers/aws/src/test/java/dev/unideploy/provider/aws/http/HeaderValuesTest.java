package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeaderValuesTest {
  @Test
  void plainValuesAndTabsPass() {
    assertThat(HeaderValues.checked("x-amz-Checksum", "a\tb c=/+")).isEqualTo("a\tb c=/+");
  }

  @Test
  void lineBreaksAndOtherControlsAreRefusedWithTheHeaderName() {
    for (String bad : new String[] {"a\r\nX-Evil: 1", "a\nb", "a\rb", "a\u0000b", "a\u007fb"}) {
      assertThatThrownBy(() -> HeaderValues.checked("User-Agent", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("User-Agent");
    }
  }

  @Test
  void namesWithSeparatorsAreRefused() {
    assertThatThrownBy(() -> HeaderValues.checked("X-A: b\r\nX-C", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\\u000d");
  }
}
