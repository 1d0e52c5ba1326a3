package dev.unideploy.pipeline.convert;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageWriters;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.pipeline.events.EventSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Converts a disk to a file in a target format with image-formats' writers, reporting progress as
 * events. The caller owns {@code out}: it writes to a temporary name and renames when complete.
 */
public final class ImageConversion {
  private ImageConversion() {}

  public static WriteResult write(
      DiskImage disk, TargetFormat format, Path out, WriteOptions base, EventSink events)
      throws IOException {
    WriteOptions options = base.withExtentFileName(vmdkExtentName(out));
    try (FileChannel ch =
        FileChannel.open(
            out,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      WriteResult r =
          ImageWriters.writerFor(format)
              .write(
                  disk,
                  ch,
                  options,
                  new WriteProgressEvents(events, "convert " + format.cliName()));
      ch.force(true);
      return r;
    }
  }

  public static WriteResult write(DiskImage disk, TargetFormat format, Path out, EventSink events)
      throws IOException {
    return write(disk, format, out, WriteOptions.defaults(), events);
  }

  /** A VMDK descriptor names its own extent: use the file's name, as qemu-img does. */
  static String vmdkExtentName(Path out) {
    String name = out.getFileName().toString();
    return name.isEmpty() || name.contains("\"") || name.contains("\n") ? "disk.vmdk" : name;
  }
}
