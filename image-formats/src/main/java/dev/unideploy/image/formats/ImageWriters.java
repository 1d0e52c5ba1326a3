package dev.unideploy.image.formats;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.ImageWriter;
import dev.unideploy.image.write.RawWriter;
import dev.unideploy.image.write.gce.GceTarballWriter;
import dev.unideploy.image.write.vhd.VhdDynamicWriter;
import dev.unideploy.image.write.vhd.VhdFixedWriter;
import dev.unideploy.image.write.vmdk.VmdkSparseWriter;
import dev.unideploy.image.write.vmdk.VmdkStreamWriter;

/**
 * The writer for each target format; publishers and {@code unideploy convert} start here. Apart
 * from {@code dev.unideploy.image.write}, which the format writers depend on, so that no package
 * cycle runs through this registry.
 */
public final class ImageWriters {
  private ImageWriters() {}

  public static ImageWriter writerFor(TargetFormat format) {
    return switch (format) {
      case RAW -> new RawWriter();
      case VMDK_STREAM -> new VmdkStreamWriter();
      case VMDK_SPARSE -> new VmdkSparseWriter();
      case VHD_FIXED -> new VhdFixedWriter();
      case VHD_DYNAMIC -> new VhdDynamicWriter();
      case GCE_TARBALL -> new GceTarballWriter();
    };
  }
}
