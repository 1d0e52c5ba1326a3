package dev.unideploy.cli;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy inspect IMAGE}: what a disk image is, how big, and its content hash. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Show a disk image's format, virtual size, allocated bytes, extents, format details and the"
          + " SHA-256 of its virtual disk (zero extents are hashed without reading the file)."
    })
final class InspectCommand extends AbstractCommand {

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to inspect.")
  Path image;

  @Option(
      names = "--from",
      paramLabel = "FORMAT",
      description = "raw, qcow2, vmdk or vhd; detected from the content when omitted.")
  ImageFormat from;

  @Option(names = "--no-sha256", description = "Skip the SHA-256 (it reads every data byte).")
  boolean noSha256;

  @Override
  protected Map<String, Object> execute(EventSink events) throws Exception {
    try (DiskImage disk = ImageOpener.open(image, from)) {
      long dataExtents = 0;
      long zeroExtents = 0;
      for (Extent e : disk.extents()) {
        if (e.data()) {
          dataExtents++;
        } else {
          zeroExtents++;
        }
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("file", image.toString());
      r.put("fileBytes", Files.size(image));
      r.put("format", disk.format().name().toLowerCase(Locale.ROOT));
      r.put("virtualSize", disk.virtualSize());
      r.put("allocatedBytes", disk.allocatedBytes());
      r.put("extentCount", dataExtents + zeroExtents);
      r.put("dataExtents", dataExtents);
      r.put("zeroExtents", zeroExtents);
      r.put("details", new TreeMap<>(disk.details()));
      if (!noSha256) {
        ProgressAdapter progress = new ProgressAdapter(events, "sha256");
        try {
          r.put("sha256", ContentHash.sha256(disk, progress.toward(disk.virtualSize())));
        } catch (IOException e) {
          throw new UnideployException(
              "reading " + image + " failed while hashing: " + ImageOpener.reason(e), e);
        }
      }
      return r;
    }
  }

  @Override
  protected void printSummary(Map<String, Object> r, PrintWriter out) {
    out.println("file:            " + r.get("file"));
    out.println("format:          " + r.get("format"));
    long virtual = (Long) r.get("virtualSize");
    out.println("virtual size:    " + Sizes.human(virtual) + " (" + virtual + " bytes)");
    long allocated = (Long) r.get("allocatedBytes");
    out.println("allocated:       " + Sizes.human(allocated) + " (" + allocated + " bytes)");
    out.println(
        "extents:         "
            + r.get("extentCount")
            + " ("
            + r.get("dataExtents")
            + " data, "
            + r.get("zeroExtents")
            + " zero)");
    @SuppressWarnings("unchecked") // built in execute() as a Map<String, Object>
    Map<String, Object> details = (Map<String, Object>) r.get("details");
    for (Map.Entry<String, Object> d : details.entrySet()) {
      out.println("  " + d.getKey() + ": " + d.getValue());
    }
    if (r.containsKey("sha256")) {
      out.println("sha256:          " + r.get("sha256"));
    }
  }
}
