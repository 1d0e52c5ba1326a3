package dev.unideploy.image.write.vhd;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.DiskSignature;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.SparseCopier;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.image.write.WriteResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a fixed VHD as Azure wants it: the disk, padded with zeroes to a whole number of MiB and
 * at least 20 MiB, then a footer. Zero regions stay holes in the output file.
 *
 * <p>Azure rejects a VHD whose virtual size is not a whole MiB: see
 * https://learn.microsoft.com/azure/virtual-machines/linux/create-upload-generic#general-linux-installation-notes
 */
public final class VhdFixedWriter implements ImageWriter {
  static final long MIB = 1 << 20;
  static final long MIN_SIZE = 20 * MIB;

  @Override
  public TargetFormat format() {
    return TargetFormat.VHD_FIXED;
  }

  /** The virtual size Azure accepts for a disk of {@code virtualSize} bytes. */
  public static long azureSize(long virtualSize) {
    return Math.max(MIN_SIZE, (virtualSize + MIB - 1) / MIB * MIB);
  }

  @Override
  public WriteResult write(
      DiskImage image, FileChannel out, WriteOptions options, WriteProgress progress)
      throws IOException {
    out.truncate(0);
    long size = azureSize(image.virtualSize());
    DiskSignature.Pending id = DiskSignature.start(image);
    SparseCopier.copy(image, out, 0, options, progress);
    byte[] footer =
        VhdFooterWriter.build(
            VhdFooterWriter.TYPE_FIXED, size, -1L, options.mtimeEpochSeconds(), id.get());
    SparseCopier.writeFully(out, size, ByteBuffer.wrap(footer));
    return new WriteResult(out.size(), size);
  }
}
