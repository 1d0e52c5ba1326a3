package dev.unideploy.image.detect;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tells a disk image's format from its content, never its name: magic numbers at the start (qcow2,
 * VMDK sparse or descriptor, dynamic VHD), a VHD footer at the end (fixed VHD), gzip for a GCE
 * tarball; anything else is raw. Formats unideploy cannot read (VHDX, VDI, QED, ...) are refused
 * with advice instead of being mistaken for raw.
 */
public final class ImageDetector {
  private ImageDetector() {}

  public static ImageFormat detect(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(1024, size));
      readFully(channel, head, 0);
      byte[] h = head.array();
      int n = head.position();
      if (startsWith(h, n, "QFI\u00fb")) {
        return ImageFormat.QCOW2;
      }
      if (startsWith(h, n, "KDMV") || startsWith(h, n, "# Disk DescriptorFile")) {
        return ImageFormat.VMDK;
      }
      if (startsWith(h, n, "conectix")) {
        return ImageFormat.VHD;
      }
      if (size >= 512) {
        ByteBuffer tail = ByteBuffer.allocate(8);
        readFully(channel, tail, size - 512);
        if (startsWith(tail.array(), tail.position(), "conectix")) {
          return ImageFormat.VHD;
        }
      }
      if (n >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
        return ImageFormat.GCE_TARBALL;
      }
      refuseKnownUnsupported(file, h, n);
      return ImageFormat.RAW;
    }
  }

  private static void refuseKnownUnsupported(Path file, byte[] h, int n)
      throws ImageFormatException {
    String what = null;
    if (startsWith(h, n, "vhdxfile")) {
      what = "VHDX";
    } else if (startsWith(h, n, "COWD")) {
      what = "VMDK vmfsSparse (COWD)";
    } else if (startsWith(h, n, "QED\0")) {
      what = "QED";
    } else if (startsWith(h, n, "QFI")) {
      what = "qcow version 1";
    } else if (n >= 68
        && (h[64] & 0xff) == 0x7f
        && (h[65] & 0xff) == 0x10
        && (h[66] & 0xff) == 0xda
        && (h[67] & 0xff) == 0xbe) {
      what = "VDI"; // signature 0xbeda107f, little-endian, at offset 64
    } else if (startsWith(h, n, "\u0089HDF")) {
      what = "HDF";
    }
    if (what != null) {
      throw ImageFormatException.at(
          file,
          "image header",
          0,
          "this is a "
              + what
              + " image, which unideploy does not read; convert it first, e.g. `qemu-img convert"
              + " -O raw IN OUT.raw`");
    }
  }

  private static boolean startsWith(byte[] bytes, int length, String magic) {
    byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
    if (length < m.length) {
      return false;
    }
    for (int i = 0; i < m.length; i++) {
      if (bytes[i] != m[i]) {
        return false;
      }
    }
    return true;
  }

  private static void readFully(FileChannel channel, ByteBuffer dst, long at) throws IOException {
    long pos = at;
    while (dst.hasRemaining()) {
      int r = channel.read(dst, pos);
      if (r < 0) {
        return;
      }
      pos += r;
    }
  }
}
