package dev.unideploy.pipeline.spi;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.qemu.DiskController;
import java.util.List;
import java.util.Optional;

/**
 * Turns a disk image into a provider image, in the steps {@code upload → register → replicate →
 * share → retire} that {@link dev.unideploy.pipeline.publish.PublishPipeline} runs in order.
 *
 * <p>Every step first looks for what an earlier run already did (by the image's content hash, kept
 * as a tag/label on what the provider creates, and by the journal), so a re-run after success is a
 * no-op and a crashed run resumes.
 */
public interface ImagePublisher {

  /**
   * The disk controller the provider's instances boot from, so boot verification shows a missing
   * guest driver locally (nvme on AWS Nitro, virtio-scsi on GCE, IDE on Azure Gen1).
   */
  default DiskController verifyController() {
    return DiskController.VIRTIO;
  }

  /**
   * The format the upload step consumes as a file, which the pipeline converts to before calling
   * {@link #upload}; {@link TargetFormat#RAW} means no file: the publisher reads the disk's extents
   * itself (block uploads, and conversions streamed into the upload).
   */
  TargetFormat uploadFormat(PublishRequest request);

  /**
   * An image this tool already registered for the same content hash and settings in the home
   * region, if any: the pipeline then skips upload and register.
   */
  Optional<PublishedImage> findExisting(PublishRequest request);

  /**
   * Uploads the disk, resuming from the journal when an earlier run was interrupted. Block uploads
   * read {@link UploadSource#disk()}; file uploads send {@link UploadSource#file()}, which the
   * pipeline has converted to {@link #uploadFormat}.
   */
  UploadedDisk upload(PublishRequest request, UploadSource source);

  /** Registers the uploaded disk as an image in the home region and waits until it is usable. */
  PublishedImage register(PublishRequest request, UploadedDisk disk);

  /**
   * Copies the image to the other configured regions, in parallel where the provider allows; one
   * failed region does not lose the others' results.
   */
  List<RegionImage> replicate(PublishRequest request, PublishedImage image);

  /** Applies sharing (accounts, organisations, public) and "latest" pointers to every copy. */
  void share(PublishRequest request, List<RegionImage> images);

  /**
   * Removes this tool's older images of the app beyond the retention count; never touches images
   * this tool did not create. With {@code dryRun}, only lists them.
   */
  List<RetiredImage> retire(PublishRequest request, boolean dryRun);
}
