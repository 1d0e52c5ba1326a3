package dev.unideploy.cli;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.write.ImageWriters;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteResult;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy convert IN OUT --to FORMAT}: converts a disk image, atomically. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Convert a disk image (raw, qcow2, VMDK, VHD) to the format a cloud imports.",
      "OUT is written under a temporary name and renamed only when complete."
    })
final class ConvertCommand extends AbstractCommand {

  @Parameters(index = "0", paramLabel = "IN", description = "The image to convert.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT", description = "The file to write.")
  Path output;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "FORMAT",
      converter = TargetFormatConverter.class,
      description = "raw, vmdk-stream, vmdk-sparse, vhd-fixed, vhd-dynamic or gce-tar.")
  TargetFormat to;

  @Option(
      names = "--from",
      paramLabel = "FORMAT",
      description = "raw, qcow2, vmdk or vhd; detected from the content when omitted.")
  ImageFormat from;

  @Option(
      names = "--sparse",
      description = "gce-tar: store zero regions as sparse holes (as tar -S does).")
  boolean sparse;

  @Option(names = "--force", description = "Overwrite OUT if it exists.")
  boolean force;

  @Option(
      names = "--compression-level",
      paramLabel = "1-9",
      description =
          "zlib level for vmdk-stream and gce-tar (default: ${DEFAULT-VALUE}, as qemu-img"
              + " and gzip).")
  int compressionLevel = 6;

  @Option(
      names = "--mtime",
      paramLabel = "EPOCH_SECONDS",
      description =
          "Time stamp written into the tar header and the VHD footer (default: ${DEFAULT-VALUE},"
              + " so the same input always gives the same bytes).")
  long mtime = 0;

  @Option(
      names = "--no-sha256",
      description = "Skip the SHA-256 of the virtual disk (it reads every byte, zeroes included).")
  boolean noSha256;

  @Override
  protected Map<String, Object> execute(EventSink events) throws Exception {
    if (mtime < 0) {
      throw new UnideployException("--mtime must be seconds since 1970 (>= 0), was " + mtime);
    }
    if (compressionLevel < 1 || compressionLevel > 9) {
      throw new UnideployException("--compression-level must be 1 to 9, was " + compressionLevel);
    }
    long started = System.nanoTime();
    try (DiskImage image = ImageOpener.openForCopy(input, from)) {
      refuseSameFile();
      WriteOptions options =
          WriteOptions.defaults()
              .withCompressionLevel(compressionLevel)
              .withSparse(sparse)
              .withMtimeEpochSeconds(mtime)
              .withExtentFileName(extentName());
      WriteResult written;
      try (AtomicOutputFile out = AtomicOutputFile.create(output, force)) {
        CompletableFuture<String> sha = noSha256 ? null : hashInBackground(image);
        try (FileChannel channel = out.openChannel()) {
          written =
              ImageWriters.writerFor(to)
                  .write(image, channel, options, new ProgressAdapter(events, "convert"));
        } catch (InterruptedIOException e) {
          throw e;
        } catch (IOException e) {
          throw new UnideployException(
              "converting "
                  + input
                  + " to "
                  + to.cliName()
                  + " failed: "
                  + ImageOpener.reason(e)
                  + "; nothing was written to "
                  + output,
              e);
        }
        String digest = sha == null ? null : join(sha);
        out.commit();
        double seconds = (System.nanoTime() - started) / 1e9;
        events.emit(
            LogEvent.info(
                "convert",
                String.format(
                    Locale.ROOT,
                    "wrote %s (%s, %s) in %.1f s",
                    output,
                    to.cliName(),
                    Sizes.human(written.outputBytes()),
                    seconds)));
        return result(image, written, digest, seconds);
      }
    }
  }

  private Map<String, Object> result(
      DiskImage image, WriteResult written, String digest, double seconds) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("input", input.toString());
    r.put("inputFormat", image.format().name().toLowerCase(Locale.ROOT));
    r.put("output", output.toString());
    r.put("outputFormat", to.cliName());
    r.put("virtualSize", image.virtualSize());
    r.put("inputDataBytes", image.allocatedBytes());
    r.put("outputVirtualSize", written.outputVirtualSize());
    r.put("outputBytes", written.outputBytes());
    if (digest != null) {
      r.put("sha256", digest);
    }
    r.put("elapsedSeconds", Math.round(seconds * 1000) / 1000.0);
    return r;
  }

  @Override
  protected void printSummary(Map<String, Object> result, PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "%s (%s) -> %s (%s): %s virtual, %s written in %.1f s%n",
        result.get("input"),
        result.get("inputFormat"),
        result.get("output"),
        result.get("outputFormat"),
        Sizes.human((Long) result.get("outputVirtualSize")),
        Sizes.human((Long) result.get("outputBytes")),
        (Double) result.get("elapsedSeconds"));
    if (result.containsKey("sha256")) {
      out.println("sha256 of the virtual disk: " + result.get("sha256"));
    }
  }

  private void refuseSameFile() throws IOException {
    if (Files.exists(output) && Files.isSameFile(input, output)) {
      throw new UnideployException(
          output + " is the input file; write the converted image to another path");
    }
  }

  /** The VMDK descriptor names its own extent; use OUT's file name, as qemu-img does. */
  private String extentName() {
    String name = output.getFileName().toString();
    return name.isEmpty() || name.contains("\"") || name.contains("\n") ? "disk.vmdk" : name;
  }

  /** Hashes the virtual disk on its own thread while the writer runs (reads are thread-safe). */
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

  private String join(CompletableFuture<String> sha) throws IOException {
    try {
      return sha.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      throw new UnideployException(
          "hashing " + input + " failed: " + ImageOpener.reason(cause) + "; nothing was written",
          cause);
    }
  }

  /** Parses {@code --to} by CLI name, listing the valid names on error. */
  static final class TargetFormatConverter implements ITypeConverter<TargetFormat> {
    @Override
    public TargetFormat convert(String value) {
      return TargetFormat.fromCliName(value);
    }
  }
}
