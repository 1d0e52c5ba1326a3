package dev.unideploy.cli;

import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.convert.InspectJob;
import dev.unideploy.pipeline.convert.InspectResult;
import dev.unideploy.pipeline.events.EventSink;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy inspect IMAGE}: format, sizes, extents and the content hash. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Show an image's format, virtual size, allocated data, extents and content hash (the"
            + " image's identity, as publish computes it).")
final class InspectCommand extends AbstractCommand<InspectResult> {

  @Parameters(index = "0", paramLabel = "IMAGE", description = "raw, qcow2, vmdk, vhd.")
  Path image;

  @Option(
      names = "--from",
      paramLabel = "FORMAT",
      description = "raw, qcow2, vmdk or vhd; detected from the content when omitted.")
  ImageFormat from;

  @Option(
      names = {"--no-digest", "--no-sha256"},
      description = "Skip the content hash (it reads every data byte).")
  boolean noDigest;

  @Option(names = "--sha256", description = ConvertCommand.SHA256_HELP)
  boolean sha256;

  @Override
  protected InspectResult execute(EventSink events) throws Exception {
    return InspectJob.run(image, from, !noDigest, sha256, events);
  }

  @Override
  protected void printSummary(InspectResult r, PrintWriter out) {
    out.println("file:            " + r.file());
    out.println("format:          " + r.format());
    out.println(
        "virtual size:    " + Sizes.human(r.virtualSize()) + " (" + r.virtualSize() + " bytes)");
    out.println(
        "allocated:       "
            + Sizes.human(r.allocatedBytes())
            + " ("
            + r.allocatedBytes()
            + " bytes)");
    out.println(
        "extents:         "
            + r.extentCount()
            + " ("
            + r.dataExtents()
            + " data, "
            + r.zeroExtents()
            + " zero)");
    r.details().forEach((k, v) -> out.println("  " + k + ": " + v));
    if (r.contentHash() != null) {
      out.println("content hash:    " + r.contentHash());
    }
    if (r.sha256() != null) {
      out.println("sha256:          " + r.sha256());
    }
  }
}
