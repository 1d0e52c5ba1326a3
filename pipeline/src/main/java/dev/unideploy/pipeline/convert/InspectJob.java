package dev.unideploy.pipeline.convert;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.Extent;
import dev.unideploy.image.ImageFormat;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code unideploy inspect}: format, sizes, extents and, when asked, the content hash (cost follows
 * the data) and the plain SHA-256 (cost follows the virtual size).
 */
public final class InspectJob {
  private InspectJob() {}

  public static InspectResult run(
      Path image, ImageFormat from, boolean contentHash, boolean sha256, EventSink events)
      throws IOException {
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
      Map<String, String> details = new LinkedHashMap<>();
      disk.details().forEach((k, v) -> details.put(k, String.valueOf(v)));
      String hash = null;
      String digest = null;
      try {
        if (contentHash) {
          hash =
              SparseContentHash.of(
                  disk,
                  WriteOptions.defaults().threads(),
                  new WriteProgressEvents(events, "content hash"));
        }
        if (sha256) {
          WriteProgressEvents progress = new WriteProgressEvents(events, "sha256");
          digest = ContentHash.sha256(disk, progress.toward(disk.virtualSize()));
        }
      } catch (IOException e) {
        throw new UnideployException(
            "reading " + image + " failed while hashing: " + ImageOpener.reason(e), e);
      }
      return new InspectResult(
          image.toString(),
          Files.size(image),
          disk.format().name().toLowerCase(Locale.ROOT),
          disk.virtualSize(),
          disk.allocatedBytes(),
          dataExtents + zeroExtents,
          dataExtents,
          zeroExtents,
          details,
          hash,
          digest);
    }
  }
}
