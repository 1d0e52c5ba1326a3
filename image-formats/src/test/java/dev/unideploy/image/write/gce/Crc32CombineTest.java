package dev.unideploy.image.write.gce;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class Crc32CombineTest {
  @Test
  void combinedCrcEqualsCrcOfConcatenation() {
    Random rnd = new Random(9);
    for (int lenB : new int[] {1, 7, 512, 65536, 1 << 20, 1_234_567}) {
      byte[] a = new byte[1000 + rnd.nextInt(5000)];
      byte[] b = new byte[lenB];
      rnd.nextBytes(a);
      rnd.nextBytes(b);
      CRC32 whole = new CRC32();
      whole.update(a);
      whole.update(b);
      CRC32 ca = new CRC32();
      ca.update(a);
      CRC32 cb = new CRC32();
      cb.update(b);
      int combined = Crc32Combine.combine((int) ca.getValue(), (int) cb.getValue(), lenB);
      assertThat(combined).as("length %d", lenB).isEqualTo((int) whole.getValue());
      assertThat(new Crc32Combine(lenB).combine((int) ca.getValue(), (int) cb.getValue()))
          .isEqualTo(combined);
    }
  }
}
