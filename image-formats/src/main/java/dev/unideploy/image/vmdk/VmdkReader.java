package dev.unideploy.image.vmdk;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import dev.unideploy.image.ReadOptions;
import dev.unideploy.image.raw.RawImageReader;
import dev.unideploy.image.read.ReaderLimits;
import dev.unideploy.image.read.SourceFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Opens VMDKs: a hosted sparse extent (monolithicSparse, streamOptimized in the canonical stream
 * layout or the layout qemu-img writes) or, only when {@link ReadOptions#allowFlatExtents()} is
 * set, a monolithicFlat descriptor whose one flat extent sits in the descriptor's own folder: a
 * plain file name, no absolute path, no "..", no link that leaves the folder.
 */
public final class VmdkReader {
  private VmdkReader() {}

  public static DiskImage open(SourceFile file, ReadOptions options) throws IOException {
    ByteBuffer first = ByteBuffer.allocate((int) Math.min(512, file.size()));
    file.readFully(0, first);
    first.flip();
    if (first.remaining() >= 4
        && first.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0)
            == ParsedVmdkSparseHeader.MAGIC) {
      return VmdkSparseOpener.open(file);
    }
    String start = new String(first.array(), 0, first.remaining(), StandardCharsets.ISO_8859_1);
    if (VmdkDescriptorParser.looksLikeDescriptor(start)) {
      try {
        return openDescriptor(file, options);
      } finally {
        file.close(); // the flat extent is a separate file; the descriptor is done with
      }
    }
    throw ImageFormatException.at(
        file.path(),
        "VMDK header",
        0,
        "neither a sparse extent (\"KDMV\") nor a text descriptor; pass the right format or"
            + " check the file");
  }

  private static DiskImage openDescriptor(SourceFile file, ReadOptions options) throws IOException {
    Path path = file.path();
    if (file.size() > ReaderLimits.MAX_DESCRIPTOR_BYTES) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "a text descriptor of "
              + file.size()
              + " bytes exceeds the reader limit of "
              + ReaderLimits.MAX_DESCRIPTOR_BYTES);
    }
    ByteBuffer bytes = file.readStructure("VMDK descriptor", 0, (int) file.size());
    VmdkDescriptorParser.Descriptor descriptor =
        VmdkDescriptorParser.parse(path, new String(bytes.array(), StandardCharsets.ISO_8859_1), 0);
    String createType = descriptor.createType();
    if (descriptor.settings().containsKey("parentFileNameHint")) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "not a supported VMDK: a delta disk needs its parent; consolidate it first, e.g."
              + " `qemu-img convert -O vmdk IN OUT`");
    }
    if (!createType.equals("monolithicFlat")) {
      // twoGbMaxExtent*, vmfs*, fullDevice, partitionedDevice, ...: split disks, ESX datastore
      // extents and raw devices (https://github.com/libyal/libvmdk/blob/main/documentation/
      // VMWare%20Virtual%20Disk%20Format%20(VMDK).asciidoc, "Disk type").
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "not a supported VMDK: createType \""
              + createType
              + "\" (only a monolithicFlat descriptor or a sparse/stream-optimized VMDK file is"
              + " read); convert it with `qemu-img convert -O vmdk -o subformat=streamOptimized IN"
              + " OUT`");
    }
    if (descriptor.extents().size() != 1) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "not a supported VMDK: "
              + descriptor.extents().size()
              + " extents; only one flat extent is supported: convert it with `qemu-img convert -O vmdk"
              + " -o subformat=streamOptimized IN OUT`");
    }
    VmdkDescriptorParser.ExtentLine extent = descriptor.extents().get(0);
    if (!extent.type().equals("FLAT") || extent.access().equalsIgnoreCase("NOACCESS")) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "not a supported VMDK: a "
              + extent.access()
              + " "
              + extent.type()
              + " extent (only one readable FLAT extent is read from a separate descriptor);"
              + " convert it with `qemu-img convert -O vmdk -o subformat=streamOptimized IN"
              + " OUT`");
    }
    if (!options.allowFlatExtents()) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "the descriptor points at the separate file \""
              + extent.fileName()
              + "\", which is refused by default (a descriptor can name any file); if you trust"
              + " it, allow flat extents explicitly (ReadOptions.withAllowFlatExtents) or read the"
              + " extent file itself as raw");
    }
    Path extentPath = resolveSibling(path, extent.fileName());
    long length = extent.sectors() * 512;
    long base = extent.offset() * 512;
    if (length > ReaderLimits.MAX_VIRTUAL_SIZE || base > Long.MAX_VALUE / 2) {
      throw ImageFormatException.at(
          path, "VMDK descriptor", 0, "the flat extent's size or offset exceeds the reader limit");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("subformat", createType);
    details.put("extentFile", extent.fileName());
    SourceFile data;
    try {
      data = SourceFile.open(extentPath, true);
    } catch (IOException e) {
      throw ImageFormatException.at(
          path,
          "VMDK descriptor",
          0,
          "cannot open the extent file \""
              + extent.fileName()
              + "\" ("
              + e.getMessage()
              + "); it changed while being opened, or is not readable: check the folder",
          e);
    }
    try {
      if (base > data.size() || length > data.size() - base) {
        throw ImageFormatException.at(
            path,
            "VMDK descriptor",
            0,
            "the flat extent \""
                + extent.fileName()
                + "\" has "
                + data.size()
                + " bytes but the descriptor needs "
                + length
                + " from offset "
                + base
                + "; the extent is truncated or the descriptor is wrong: copy both again");
      }
      return RawImageReader.openWindow(data, base, length, ImageFormat.VMDK, options, details);
    } catch (IOException | RuntimeException e) {
      data.close();
      throw e;
    }
  }

  // The extent must be a plain file name in the descriptor's folder, after symlinks: no
  // separators, no "..", no absolute path, and its real parent is the descriptor's real folder.
  static Path resolveSibling(Path descriptor, String name) throws IOException {
    if (name == null
        || name.isEmpty()
        || name.contains("/")
        || name.contains("\\")
        || name.contains(":")
        || name.equals(".")
        || name.equals("..")
        || name.indexOf('\0') >= 0) {
      throw ImageFormatException.at(
          descriptor,
          "VMDK descriptor",
          0,
          "the extent file \""
              + name
              + "\" is not a plain file name in the descriptor's folder; refusing to read outside"
              + " it: move the extent next to the descriptor and name it without a path");
    }
    Path folder = descriptor.toAbsolutePath().getParent();
    Path extent = folder.resolve(name);
    if (!Files.isRegularFile(extent)) {
      throw ImageFormatException.at(
          descriptor,
          "VMDK descriptor",
          0,
          "the extent file \"" + name + "\" does not exist next to the descriptor: copy it there");
    }
    Path real = extent.toRealPath();
    if (!real.getParent().equals(folder.toRealPath())) {
      throw ImageFormatException.at(
          descriptor,
          "VMDK descriptor",
          0,
          "the extent file \""
              + name
              + "\" is a link to another folder; refusing to read outside the descriptor's"
              + " folder: copy the extent there");
    }
    // The checked path itself, opened without following links (SourceFile.open(real, true)), so
    // that a link swapped in after this check cannot redirect the read.
    return real;
  }
}
