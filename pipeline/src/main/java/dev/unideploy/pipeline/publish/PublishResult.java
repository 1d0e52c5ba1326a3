package dev.unideploy.pipeline.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.util.List;

/**
 * What {@code unideploy publish} did: the result document of {@code --output json}, whose shape is
 * documented in docs/output.md and fixed by a test.
 *
 * @param sha256 the content hash of the virtual disk, which identifies the image for idempotency
 * @param verify the verification boot, or null when it was skipped ({@code --no-verify})
 * @param upload the upload, or null when an image with the same content existed already
 * @param image the image in the home region
 * @param regions every region's outcome, the home region first
 * @param failedRegions the regions in {@code regions} that failed (exit code 3 when not empty)
 * @param reused true when nothing had to be uploaded or registered
 * @param state where the journal and lock live
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "provider",
  "app",
  "version",
  "sha256",
  "reused",
  "verify",
  "upload",
  "image",
  "regions",
  "failedRegions",
  "retired",
  "state"
})
public record PublishResult(
    String provider,
    String app,
    String version,
    String sha256,
    boolean reused,
    VerifyResult verify,
    UploadedDisk upload,
    PublishedImage image,
    List<RegionImage> regions,
    List<String> failedRegions,
    List<RetiredImage> retired,
    String state) {
  public PublishResult {
    regions = List.copyOf(regions);
    failedRegions = List.copyOf(failedRegions);
    retired = List.copyOf(retired);
  }
}
