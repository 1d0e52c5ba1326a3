package dev.unideploy.pipeline.publish;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.digest.SparseContentHash;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.convert.ImageConversion;
import dev.unideploy.pipeline.convert.WriteProgressEvents;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import dev.unideploy.pipeline.state.StateFiles;
import dev.unideploy.pipeline.verify.BootCheck;
import dev.unideploy.pipeline.verify.VerifyResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a publish end to end: hash → verify → upload → register → replicate → share → retire. Each
 * step is skipped when an earlier run already did it (the publisher finds its own work by content
 * hash), so re-running after a failure or a success is safe.
 */
public final class PublishPipeline {

  /** How to run: verification (null to skip), the retire dry-run switch. */
  public record Options(BootCheck bootCheck, boolean dryRunRetire) {}

  private final ImagePublisher publisher;
  private final ProviderContext context;
  private final String providerName;
  private final String stateLocation;

  /**
   * @param providerName named in the result
   * @param stateLocation where the journal lives, named in the result
   */
  public PublishPipeline(
      String providerName,
      ImagePublisher publisher,
      ProviderContext context,
      String stateLocation) {
    this.providerName = providerName;
    this.publisher = publisher;
    this.context = context;
    this.stateLocation = stateLocation;
  }

  /**
   * Publishes {@code image} (read from {@code sourceFile}). Throws when nothing usable was
   * published; per-region failures are in the result instead.
   */
  public PublishResult publish(DiskImage image, Path sourceFile, Options options) {
    EventSink events = context.events();
    StepRunner steps = new StepRunner(events, context.journal(), context.clock());
    String app = context.config().requireApp();
    String version = context.config().versionOrDefault();

    String sha =
        steps.runLocally(
            "hash",
            "hashing the virtual disk of " + sourceFile.getFileName(),
            () -> hash(image, events));
    PublishRequest request =
        new PublishRequest(
            app,
            version,
            sha,
            image.virtualSize(),
            sourceFile.getFileName().toString(),
            context.config().publish(),
            context);

    VerifyResult verified = null;
    if (options.bootCheck() == null) {
      events.emit(LogEvent.warn("verify", "boot verification skipped"));
    } else {
      verified =
          steps.runLocally(
              "verify",
              "booting the image under QEMU before publishing it",
              () ->
                  options
                      .bootCheck()
                      .verify(
                          sourceFile, request.settings(), publisher.verifyController(), events));
    }

    Optional<PublishedImage> existing = publisher.findExisting(request);
    PublishedImage home;
    UploadedDisk uploaded = null;
    if (existing.isPresent()) {
      home = existing.get();
      events.emit(
          LogEvent.info(
              "register",
              "image "
                  + home.id()
                  + " already exists for this content in "
                  + home.region()
                  + ": nothing to upload"));
    } else {
      UploadedDisk disk =
          steps.run(
              "upload",
              "uploading " + request.imageName(),
              () -> upload(request, image, sourceFile, events));
      uploaded = disk;
      home =
          steps.run(
              "register",
              "registering " + request.imageName(),
              () -> publisher.register(request, disk));
    }

    List<RegionImage> copies =
        steps.run(
            "replicate",
            "copying to the configured regions",
            () -> publisher.replicate(request, home));
    List<RegionImage> all = new ArrayList<>();
    all.add(RegionImage.ok(home.region(), home.id(), home.reused(), home.attributes()));
    all.addAll(copies);
    List<RegionImage> okRegions = all.stream().filter(RegionImage::ok).toList();
    steps.run(
        "share",
        "applying sharing and latest pointers",
        () -> {
          publisher.share(request, okRegions);
          return null;
        });
    List<RetiredImage> retired =
        steps.run(
            "retire",
            options.dryRunRetire()
                ? "listing images retention would remove"
                : "retiring old images",
            () -> publisher.retire(request, options.dryRunRetire()));
    List<String> failed = all.stream().filter(r -> !r.ok()).map(RegionImage::region).toList();
    return new PublishResult(
        providerName,
        app,
        version,
        sha,
        home.reused(),
        verified,
        uploaded,
        home,
        all,
        failed,
        retired,
        stateLocation);
  }

  /**
   * The image's identity: its content hash ({@link SparseContentHash}), which reads only the data,
   * on every core. Images published before this definition carry the plain SHA-256 of the disk; a
   * publish does not find those by content, so the first publish of such content uploads it once
   * more (they stay usable: deploys, rollbacks and retention go by image id and app, never by
   * hash).
   */
  private static String hash(DiskImage image, EventSink events) {
    try {
      return SparseContentHash.of(
          image, WriteOptions.defaults().threads(), new WriteProgressEvents(events, "hash"));
    } catch (IOException e) {
      throw new UnideployException(
          "could not read the image to hash it: " + e.getMessage() + "; check the file", e);
    }
  }

  private UploadedDisk upload(
      PublishRequest request, DiskImage image, Path sourceFile, EventSink events) {
    TargetFormat format = publisher.uploadFormat(request);
    if (format == TargetFormat.RAW) {
      return publisher.upload(request, new UploadSource(image, format, null));
    }
    Path out = context.workDir().resolve(request.imageName() + "." + format.cliName());
    try {
      StateFiles.createPrivateDirectories(context.workDir());
      ImageConversion.write(image, format, out, events);
      return publisher.upload(request, new UploadSource(image, format, out));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not convert " + sourceFile.getFileName() + " to " + format.cliName(), e);
    } finally {
      try {
        Files.deleteIfExists(out);
      } catch (IOException e) {
        events.emit(LogEvent.warn("upload", "could not delete temporary file " + out));
      }
    }
  }
}
