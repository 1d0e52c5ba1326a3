package dev.unideploy.pipeline.convert;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.formats.ImageWriters;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code unideploy convert}: converts a disk image to a target format, atomically (the output is
 * written under a temporary name and renamed only when complete).
 */
public final class ConvertJob {

  /**
   * What to convert and how.
   *
   * @param from the input's format, or null to detect it
   * @param force replace {@code output} if it exists
   * @param digest also compute the content hash (the image's identity, as publish computes it),
   *     from the data the writer reads
   * @param sha256 also compute the plain SHA-256 of the whole virtual disk, zeroes included (on its
   *     own thread)
   */
  public record Options(
      Path input,
      ImageFormat from,
      Path output,
      TargetFormat to,
      boolean sparse,
      boolean force,
      int compressionLevel,
      long mtimeEpochSeconds,
      boolean digest,
      boolean sha256) {
    public Options {
      if (mtimeEpochSeconds < 0) {
        throw new UnideployException(
            "--mtime must be seconds since 1970 (>= 0), was " + mtimeEpochSeconds);
      }
      if (compressionLevel < 1 || compressionLevel > 9) {
        throw new UnideployException("--compression-level must be 1 to 9, was " + compressionLevel);
      }
    }
  }

  private ConvertJob() {}

  public static ConvertResult run(Options o, EventSink events) throws IOException {
    long started = System.nanoTime();
    try (DiskImage image = ImageOpener.openForCopy(o.input(), o.from())) {
      if (Files.exists(o.output()) && Files.isSameFile(o.input(), o.output())) {
        throw new UnideployException(
            o.output() + " is the input file; write the converted image to another path");
      }
      SparseContentHash contentHash =
          o.digest() ? new SparseContentHash(image.virtualSize()) : null;
      WriteOptions options =
          WriteOptions.defaults()
              .withCompressionLevel(o.compressionLevel())
              .withSparse(o.sparse())
              .withMtimeEpochSeconds(o.mtimeEpochSeconds())
              .withExtentFileName(ImageConversion.vmdkExtentName(o.output()))
              .withDigest(contentHash);
      try (AtomicOutputFile out = AtomicOutputFile.create(o.output(), o.force())) {
        CompletableFuture<String> sha = o.sha256() ? hashInBackground(image) : null;
        WriteResult written;
        try (FileChannel channel = out.openChannel()) {
          written =
              ImageWriters.writerFor(o.to())
                  .write(image, channel, options, new WriteProgressEvents(events, "convert"));
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          throw new UnideployException(
              "converting "
                  + o.input()
                  + " to "
                  + o.to().cliName()
                  + " failed: "
                  + ImageOpener.reason(e)
                  + "; nothing was written to "
                  + o.output(),
              e);
        }
        String digest = sha == null ? null : join(sha, o.input());
        out.commit();
        double seconds = (System.nanoTime() - started) / 1e9;
        events.emit(
            LogEvent.info(
                "convert",
                String.format(
                    Locale.ROOT,
                    "wrote %s (%s, %d bytes) in %.1f s",
                    o.output(),
                    o.to().cliName(),
                    written.outputBytes(),
                    seconds)));
        return new ConvertResult(
            o.input().toString(),
            image.format().name().toLowerCase(Locale.ROOT),
            o.output().toString(),
            o.to().cliName(),
            image.virtualSize(),
            image.allocatedBytes(),
            written.outputVirtualSize(),
            written.outputBytes(),
            contentHash == null ? null : contentHash.hex(),
            digest,
            Math.round(seconds * 1000) / 1000.0);
      }
    }
  }

  /**
   * Computes the plain SHA-256 on its own thread while the writer runs (reads are thread-safe): it
   * cannot share the writer's reads, since it must see every byte in order, zeroes included.
   */
  private static CompletableFuture<String> hashInBackground(DiskImage image) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                f.complete(ContentHash.sha256(image));
              } catch (Throwable e) {
                f.completeExceptionally(e);
              }
            },
            "unideploy-sha256");
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static String join(CompletableFuture<String> sha, Path input) {
    try {
      return sha.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      throw new UnideployException(
          "hashing " + input + " failed: " + ImageOpener.reason(cause) + "; nothing was written",
          cause);
    }
  }
}
