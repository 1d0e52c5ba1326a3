package dev.unideploy.image.write.vmdk;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Writes the text descriptor embedded in a monolithic VMDK. */
final class VmdkDescriptorWriter {
  /** Sectors reserved for the descriptor, as qemu reserves. */
  static final int SECTORS = 20;

  private VmdkDescriptorWriter() {}

  static byte[] build(int cid, String createType, long capacitySectors, String extentFileName) {
    // IDE geometry as qemu writes it (16 heads, 63 sectors, cylinders capped at 16383).
    long cylinders = Math.min(16383, capacitySectors / (16 * 63));
    String text =
        String.format(
            Locale.ROOT,
            "# Disk DescriptorFile\n"
                + "version=1\n"
                + "CID=%08x\n"
                + "parentCID=ffffffff\n"
                + "createType=\"%s\"\n"
                + "\n"
                + "# Extent description\n"
                + "RW %d SPARSE \"%s\"\n"
                + "\n"
                + "# The Disk Data Base\n"
                + "#DDB\n"
                + "\n"
                + "ddb.virtualHWVersion = \"4\"\n"
                + "ddb.geometry.cylinders = \"%d\"\n"
                + "ddb.geometry.heads = \"16\"\n"
                + "ddb.geometry.sectors = \"63\"\n"
                + "ddb.adapterType = \"ide\"\n",
            cid,
            createType,
            capacitySectors,
            extentFileName,
            cylinders);
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > SECTORS * 512) {
      throw new IllegalArgumentException(
          "VMDK descriptor would be "
              + utf8.length
              + " bytes, more than the "
              + SECTORS * 512
              + " reserved; use a shorter extent file name");
    }
    byte[] padded = new byte[SECTORS * 512];
    System.arraycopy(utf8, 0, padded, 0, utf8.length);
    return padded;
  }

  /**
   * The CID from a {@link dev.unideploy.image.write.DiskSignature}; never ffffffff ("no parent").
   */
  static int cid(byte[] signature) {
    int cid =
        (signature[0] & 0xff) << 24
            | (signature[1] & 0xff) << 16
            | (signature[2] & 0xff) << 8
            | (signature[3] & 0xff);
    return cid == -1 ? 0xfffffffe : cid;
  }
}
