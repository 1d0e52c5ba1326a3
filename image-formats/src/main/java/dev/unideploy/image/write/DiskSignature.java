package dev.unideploy.image.write;

import dev.unideploy.image.Digests;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The seed of the ids some formats carry (VMDK CID, VHD unique id): a SHA-256 over the disk's size,
 * its data extents and {@value #SAMPLES} samples of 4 KiB spread evenly over its data. The same
 * input always gives the same ids, hence the same bytes, for a cost of at most {@value #SAMPLES}
 * small reads whatever the disk's size.
 *
 * <p>Why samples and not all the data: the copying writers let the kernel move the data, which then
 * never passes through the JVM, so there is no pass over it to derive an id from; a pass of its own
 * would cost as much as the copy. Disks of the same size and layout that differ only between the
 * samples get the same ids. The ids only have to be well formed and stable: qemu-img draws them at
 * random, and nothing unideploy publishes to reads them back.
 */
public final class DiskSignature {
  static final int SAMPLES = 64;
  static final int SAMPLE = 4096;

  private DiskSignature() {}

  /**
   * Starts computing the signature of {@code image} on a thread of its own, for writers that need
   * it only when the data has been copied: the copy then runs in the kernel while the signature is
   * hashed beside it. Early in a run the hash is interpreted, not compiled, and 64 samples cost ~30
   * ms of the start of a conversion (BENCHMARKS.md, "Where the time of a convert goes").
   */
  public static Pending start(DiskImage image) {
    FutureTask<byte[]> task = new FutureTask<>(() -> of(image));
    Thread t = new Thread(task, "unideploy-disk-signature");
    t.setDaemon(true);
    t.start();
    return new Pending(task);
  }

  /** A signature being computed. */
  public static final class Pending {
    private final FutureTask<byte[]> task;

    private Pending(FutureTask<byte[]> task) {
      this.task = task;
    }

    /** The signature, waiting for it when it is not done yet. */
    public byte[] get() throws IOException {
      try {
        return task.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while the disk's signature was computed");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IOException(e.getCause());
      }
    }
  }

  public static byte[] of(DiskImage image) throws IOException {
    MessageDigest md = Digests.sha256();
    md.update("unideploy-disk-id-v1".getBytes(StandardCharsets.US_ASCII));
    ByteBuffer pair = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    long size = image.virtualSize();
    md.update(pair.clear().putLong(size).putLong(0).flip());
    long data = 0;
    for (Extent e : image.extents()) {
      if (e.data()) {
        md.update(pair.clear().putLong(e.offset()).putLong(e.length()).flip());
        data += e.length();
      }
    }
    byte[] sample = new byte[SAMPLE];
    int k = 0;
    long before = 0; // data bytes in the extents already passed
    for (Extent e : image.extents()) {
      if (!e.data()) {
        continue;
      }
      while (k < SAMPLES) {
        // The k-th sample starts k/SAMPLES of the way through the data (no overflow: data < 2^50).
        long target = data * k / SAMPLES;
        if (target >= before + e.length()) {
          break;
        }
        long at = e.offset() + (target - before);
        int n = (int) Math.min(SAMPLE, Math.min(e.end(), size) - at);
        if (n > 0) {
          UnitReader.readFully(image, at, sample, 0, n);
          md.update(pair.clear().putLong(at).putLong(n).flip());
          md.update(sample, 0, n);
        }
        k++;
      }
      before += e.length();
    }
    return md.digest();
  }
}
