package dev.unideploy.provider.local;

import dev.unideploy.image.TargetFormat;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ImagePublisher;
import dev.unideploy.pipeline.spi.PublishRequest;
import dev.unideploy.pipeline.spi.PublishedImage;
import dev.unideploy.pipeline.spi.RegionImage;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.pipeline.spi.UploadSource;
import dev.unideploy.pipeline.spi.UploadedDisk;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Publishes into the local {@link ImageStore}. Upload reads the disk's extents (format RAW: no
 * conversion file) and writes a sparse raw blob named by the content hash; register writes the
 * app's record; share moves the app's {@code latest} tag; retire keeps the app's newest {@code
 * publish.keep} images. The store is one place, so there is one "region", {@value #REGION}.
 */
public final class LocalImagePublisher implements ImagePublisher {
  public static final String REGION = "local";

  private final ImageStore store;
  private final InstanceRegistry registry;
  private final EventSink events;
  private final Clock clock;

  public LocalImagePublisher(
      ImageStore store, InstanceRegistry registry, EventSink events, Clock clock) {
    this.store = store;
    this.registry = registry;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public TargetFormat uploadFormat(PublishRequest request) {
    return TargetFormat.RAW;
  }

  @Override
  public Optional<PublishedImage> findExisting(PublishRequest request) {
    return store.find(request.app(), request.contentSha256()).map(i -> published(i, true));
  }

  @Override
  public UploadedDisk upload(PublishRequest request, UploadSource source) {
    if (source.disk().virtualSize() != request.virtualSize()) {
      throw new IllegalArgumentException("disk size differs from the request's virtual size");
    }
    boolean had = store.hasBlob(request.contentSha256(), request.virtualSize());
    long start = System.nanoTime();
    long written = store.putBlob(source.disk(), request.contentSha256(), events);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("path", store.blobPath(request.contentSha256()).toString());
    details.put("virtualSize", Long.toString(request.virtualSize()));
    return new UploadedDisk(
        store.blobPath(request.contentSha256()).toString(),
        "local-store",
        written,
        request.virtualSize() - written,
        had,
        java.time.Duration.ofNanos(System.nanoTime() - start),
        details);
  }

  @Override
  public PublishedImage register(PublishRequest request, UploadedDisk disk) {
    StoredImage image =
        new StoredImage(
            null,
            request.contentSha256(),
            request.app(),
            request.imageName(),
            request.version(),
            List.of(request.version()),
            request.virtualSize(),
            request.sourceFileName(),
            clock.instant(),
            bootMode(request));
    store.save(image);
    return published(image, false);
  }

  @Override
  public List<RegionImage> replicate(PublishRequest request, PublishedImage image) {
    return List.of(); // One store, one "region": nothing to copy.
  }

  /** Moves the app's {@code latest} tag to this image and adds the version as a tag. */
  @Override
  public void share(PublishRequest request, List<RegionImage> images) {
    store.locked(
        () -> {
          for (StoredImage other : store.list(request.app())) {
            if (!other.sha256().equals(request.contentSha256())
                && other.hasTag(StoredImage.LATEST)) {
              store.save(other.withoutTag(StoredImage.LATEST));
            }
          }
          StoredImage mine =
              store
                  .find(request.app(), request.contentSha256())
                  .orElseThrow(
                      () ->
                          new UnideployException(
                              "image "
                                  + request.sha8()
                                  + " vanished from the store during publish; re-run"));
          // The boot mode is the latest publish's: the same bytes may be published for UEFI later.
          store.save(
              mine.withTag(request.version())
                  .withTag(StoredImage.LATEST)
                  .withBootMode(bootMode(request)));
          return null;
        });
  }

  /**
   * Keeps the app's newest {@code keep} images (by publish time; the one just published always
   * stays) and removes the rest. Images a running instance boots from are kept and reported. Other
   * apps' images are never looked at.
   */
  @Override
  public List<RetiredImage> retire(PublishRequest request, boolean dryRun) {
    int keep = request.settings().keep();
    if (keep == 0) {
      return List.of();
    }
    // Every group's image stays, also a group kept at size 0: it is a rollback target.
    Set<String> inUse =
        registry.groups(null).stream().map(GroupRecord::imageSha256).collect(Collectors.toSet());
    List<StoredImage> mine = new ArrayList<>(store.list(request.app()));
    mine.sort(Comparator.comparing(StoredImage::createdAt).reversed());
    List<RetiredImage> out = new ArrayList<>();
    int kept = 0;
    for (StoredImage i : mine) {
      if (i.sha256().equals(request.contentSha256()) || kept < keep) {
        kept++;
        continue;
      }
      if (inUse.contains(i.sha256())) {
        events.emit(
            LogEvent.warn(
                "retire",
                "keeping "
                    + i.name()
                    + " beyond publish.keep: a server group (serving, or kept for rollback)"
                    + " boots from it"));
        continue;
      }
      List<String> deleted = dryRun ? List.of() : store.delete(i);
      out.add(new RetiredImage(REGION, i.id(), i.name(), deleted, dryRun));
    }
    return out;
  }

  private static String bootMode(PublishRequest request) {
    return request.settings().bootMode()
            == dev.unideploy.pipeline.config.PublishSettings.BootMode.LEGACY_BIOS
        ? StoredImage.BIOS
        : StoredImage.UEFI;
  }

  private PublishedImage published(StoredImage i, boolean reused) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("sha256", i.sha256());
    attrs.put("path", store.blobPath(i.sha256()).toString());
    attrs.put("version", i.version());
    return new PublishedImage(i.id(), i.name(), REGION, reused, attrs);
  }
}
