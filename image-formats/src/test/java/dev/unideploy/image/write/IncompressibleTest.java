package dev.unideploy.image.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class IncompressibleTest {
  @Test
  void randomBytesAreIncompressibleAndDeflateAgrees() {
    byte[] random = new byte[64 * 1024];
    new Random(4).nextBytes(random);
    assertThat(Incompressible.test(random, 0, random.length)).isTrue();
    // zlib level 6 cannot shrink it either, so storing loses nothing
    Deflater d = new Deflater(6);
    d.setInput(random);
    d.finish();
    byte[] out = new byte[100_000];
    int n = d.deflate(out);
    d.end();
    assertThat(n).isGreaterThanOrEqualTo(random.length);
  }

  @Test
  void textCodeAndShortBlocksAreCompressed() {
    StringBuilder text = new StringBuilder();
    while (text.length() < 64 * 1024) {
      text.append("unikernel boot line ").append(text.length()).append('\n');
    }
    byte[] t = text.toString().getBytes(StandardCharsets.US_ASCII);
    assertThat(Incompressible.test(t, 0, 64 * 1024)).isFalse();
    byte[] random = new byte[4096];
    new Random(5).nextBytes(random);
    assertThat(Incompressible.test(random, 0, random.length)).isFalse();
    assertThat(Incompressible.test(new byte[128 * 1024], 0, 128 * 1024)).isFalse();
  }
}
