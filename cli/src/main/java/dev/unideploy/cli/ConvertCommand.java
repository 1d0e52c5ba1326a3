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

  @Option(
      names = "--no-sha256",
      description = "Skip the SHA-256 of the virtual disk (it reads every byte, zeroes included).")
  boolean noSha256;

  @Override
  protected ConvertResult execute(EventSink events) throws Exception {
    return ConvertJob.run(
        new ConvertJob.Options(
            input, from, output, to, sparse, force, compressionLevel, mtime, !noSha256),
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
