package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.convert.ConvertJob;
import dev.unideploy.pipeline.convert.ConvertResult;
import dev.unideploy.pipeline.events.EventSink;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
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
final class ConvertCommand extends AbstractCommand<ConvertResult> {

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

  /** Help for {@code --sha256}, shared with {@code inspect}. */
  static final String SHA256_HELP =
      "Also print the plain SHA-256 of the virtual disk (it hashes every byte, zeroes included).";

  @Option(
      names = "--digest",
      description =
          "Also print the content hash of the virtual disk, the image's identity as publish"
              + " computes it (it reads the data, not the zeroes).")
  boolean digest;

  @Option(names = "--sha256", description = ConvertCommand.SHA256_HELP)
  boolean sha256;

  /** Accepted for scripts written when the SHA-256 was computed by default; changes nothing. */
  @Option(names = "--no-sha256", hidden = true)
  boolean noSha256;

  @Override
  protected ConvertResult execute(EventSink events) throws Exception {
    return ConvertJob.run(
        new ConvertJob.Options(
            input, from, output, to, sparse, force, compressionLevel, mtime, digest, sha256),
        events);
  }

  @Override
  protected void printSummary(ConvertResult r, PrintWriter out) {
    out.printf(
        Locale.ROOT,
        "%s (%s) -> %s (%s): %s virtual, %s written in %.1f s%n",
        r.input(),
        r.inputFormat(),
        r.output(),
        r.outputFormat(),
        Sizes.human(r.outputVirtualSize()),
        Sizes.human(r.outputBytes()),
        r.elapsedSeconds());
    if (r.contentHash() != null) {
      out.println("content hash of the virtual disk: " + r.contentHash());
    }
    if (r.sha256() != null) {
      out.println("sha256 of the virtual disk: " + r.sha256());
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
