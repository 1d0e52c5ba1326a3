package dev.unideploy.pipeline.publish;

import dev.unideploy.image.ContentHash;
import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.events.ProgressEvent;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a publish end to end: hash → verify → upload → register → replicate → share → retire. Each
 * step is skipped when an earlier run already did it (the publisher finds its own work by content
 * hash), so re-running after a failure or a success is safe.
 */
public final class PublishPipeline {

  /** Converts a disk to a publisher's upload format in a file; the CLI wires image-formats in. */
  @FunctionalInterface
  public interface Converter {
    void convert(DiskImage image, TargetFormat format, Path out, EventSink events)
        throws IOException;
  }

  /** How to run: verification (null to skip), the retire dry-run switch. */
  public record Options(BootCheck bootCheck, boolean dryRunRetire) {}

  private final ImagePublisher publisher;
  private final Converter converter;
  private final ProviderContext context;

  public PublishPipeline(ImagePublisher publisher, Converter converter, ProviderContext context) {
    this.publisher = publisher;
    this.converter = converter;
    this.context = context;
  }

  /**
   * Publishes {@code image} (read from {@code sourceFile}) and returns the result document. Throws
   * when nothing usable was published; per-region failures are in the result instead.
   */
  public Map<String, Object> publish(DiskImage image, Path sourceFile, Options options) {
    EventSink events = context.events();
    StepRunner steps = new StepRunner(events, context.journal(), context.clock());
    String app = context.config().requireApp();
    String version = context.config().version() == null ? "0" : context.config().version();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("app", app);
    result.put("version", version);

    String sha =
        steps.run(
            "hash",
            "hashing the virtual disk of " + sourceFile.getFileName(),
            () -> hash(image, events));
    result.put("sha256", sha);
    PublishRequest request =
        new PublishRequest(
            app,
            version,
            sha,
            image.virtualSize(),
            sourceFile.getFileName().toString(),
            context.config().publish(),
            context);

    if (options.bootCheck() == null) {
      events.emit(LogEvent.warn("verify", "boot verification skipped (--no-verify)"));
      result.put("verify", Map.of("skipped", true));
    } else {
      result.put(
          "verify",
          steps.run(
              "verify",
              "booting the image under QEMU before publishing it",
              () ->
                  options
                      .bootCheck()
                      .verify(
                          sourceFile, request.settings(), publisher.verifyController(), events)));
    }

    Optional<PublishedImage> existing = publisher.findExisting(request);
    PublishedImage home;
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
      UploadedDisk uploaded =
          steps.run(
              "upload",
              "uploading " + request.imageName(),
              () -> upload(request, image, sourceFile, events));
      result.put("upload", uploadResult(uploaded));
      home =
          steps.run(
              "register",
              "registering " + request.imageName(),
              () -> publisher.register(request, uploaded));
    }
    result.put("image", imageResult(home));

    List<RegionImage> regions =
        steps.run(
            "replicate",
            "copying to the configured regions",
            () -> publisher.replicate(request, home));
    List<RegionImage> all = new ArrayList<>();
    all.add(RegionImage.ok(home.region(), home.id(), home.reused(), home.attributes()));
    all.addAll(regions);
    List<RegionImage> okRegions = all.stream().filter(RegionImage::ok).toList();
    steps.run(
        "share",
        "applying sharing and latest pointers",
        () -> {
          publisher.share(request, okRegions);
          return null;
        });
    result.put("regions", all.stream().map(PublishPipeline::regionResult).toList());

    List<RetiredImage> retired =
        steps.run(
            "retire",
            options.dryRunRetire()
                ? "listing images retention would remove"
                : "retiring old images",
            () -> publisher.retire(request, options.dryRunRetire()));
    result.put("retired", retired.stream().map(PublishPipeline::retiredResult).toList());
    List<String> failed = all.stream().filter(r -> !r.ok()).map(RegionImage::region).toList();
    result.put("failedRegions", failed);
    result.put("reused", home.reused());
    return result;
  }

  private static String hash(DiskImage image, EventSink events) {
    try {
      long total = image.virtualSize();
      return ContentHash.sha256(
          image,
          done -> events.emit(ProgressEvent.of("hash", done, total, ProgressEvent.Unit.BYTES)));
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
      Files.createDirectories(context.workDir());
      converter.convert(image, format, out, events);
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

  private static Map<String, Object> uploadResult(UploadedDisk d) {
    Map<String, Object> m = new LinkedHashMap<>(d.facts());
    m.put("handle", d.handle());
    return m;
  }

  private static Map<String, Object> imageResult(PublishedImage i) {
    Map<String, Object> m = new LinkedHashMap<>(i.attributes());
    m.put("id", i.id());
    m.put("name", i.name());
    m.put("region", i.region());
    m.put("reused", i.reused());
    return m;
  }

  private static Map<String, Object> regionResult(RegionImage r) {
    Map<String, Object> m = new LinkedHashMap<>(r.attributes());
    m.put("region", r.region());
    m.put("ok", r.ok());
    if (r.ok()) {
      m.put("imageId", r.imageId());
      m.put("reused", r.reused());
    } else {
      m.put("error", r.error());
    }
    return m;
  }

  private static Map<String, Object> retiredResult(RetiredImage r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("region", r.region());
    m.put("imageId", r.imageId());
    m.put("name", r.name());
    m.put("deleted", r.deletedResources());
    m.put("dryRun", r.dryRun());
    return m;
  }
}
