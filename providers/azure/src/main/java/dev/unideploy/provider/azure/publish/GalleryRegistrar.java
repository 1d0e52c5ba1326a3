package dev.unideploy.provider.azure.publish;

import com.azure.core.management.exception.ManagementException;
import com.azure.core.util.Context;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageInner;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.fluent.models.GalleryInner;
import com.azure.resourcemanager.compute.models.Architecture;
import com.azure.resourcemanager.compute.models.GalleryDiskImageSource;
import com.azure.resourcemanager.compute.models.GalleryImageIdentifier;
import com.azure.resourcemanager.compute.models.GalleryImageVersionPublishingProfile;
import com.azure.resourcemanager.compute.models.GalleryImageVersionStorageProfile;
import com.azure.resourcemanager.compute.models.GalleryOSDiskImage;
import com.azure.resourcemanager.compute.models.HyperVGeneration;
import com.azure.resourcemanager.compute.models.OperatingSystemStateTypes;
import com.azure.resourcemanager.compute.models.OperatingSystemTypes;
import com.azure.resourcemanager.compute.models.ReplicationStatusTypes;
import com.azure.resourcemanager.compute.models.StorageAccountType;
import com.azure.resourcemanager.compute.models.TargetRegion;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Registers an upload in an Azure Compute Gallery: makes the gallery and the image definition when
 * they are missing (publisher/offer/sku from config, Linux, Generalized, V1 or V2 from the boot
 * mode, x64 or Arm64), then an image version per release whose source is the upload disk or blob,
 * replicated to the target regions. See
 * https://learn.microsoft.com/rest/api/compute/gallery-image-versions/create-or-update.
 */
final class GalleryRegistrar {
  /** The image definition's shape, derived from the publish settings. */
  record Definition(
      String name,
      String publisher,
      String offer,
      String sku,
      HyperVGeneration generation,
      Architecture architecture) {}

  private final AzureClients clients;
  private final AzureSettings settings;
  private final EventSink events;

  GalleryRegistrar(AzureClients clients, EventSink events) {
    this.clients = clients;
    this.settings = clients.settings();
    this.events = events;
  }

  private ComputeManagementClient compute() {
    return clients.compute();
  }

  private String rg() {
    return settings.requireResourceGroup();
  }

  private String gallery() {
    return settings.gallery().name();
  }

  /** Makes the gallery and the image definition if missing; checks an existing definition. */
  void ensureDefinition(Definition d) {
    if (find(() -> compute().getGalleries().getByResourceGroup(rg(), gallery())) == null) {
      requireCreate("gallery " + gallery());
      GalleryInner g = new GalleryInner().withLocation(settings.requireLocation());
      g.withTags(Map.of(AzureTags.MANAGED, "true"));
      await(
          compute().getGalleries().beginCreateOrUpdate(rg(), gallery(), g),
          "creating gallery " + gallery());
      events.emit(LogEvent.info("register", "created gallery " + gallery()));
    }
    GalleryImageInner existing =
        find(() -> compute().getGalleryImages().get(rg(), gallery(), d.name()));
    if (existing != null) {
      check(existing, d);
      return;
    }
    requireCreate("image definition " + d.name());
    GalleryImageInner spec =
        new GalleryImageInner()
            .withLocation(settings.requireLocation())
            .withOsType(OperatingSystemTypes.LINUX)
            .withOsState(OperatingSystemStateTypes.GENERALIZED)
            .withHyperVGeneration(d.generation())
            .withArchitecture(d.architecture())
            .withIdentifier(
                new GalleryImageIdentifier()
                    .withPublisher(d.publisher())
                    .withOffer(d.offer())
                    .withSku(d.sku()));
    spec.withTags(Map.of(AzureTags.MANAGED, "true"));
    await(
        compute().getGalleryImages().beginCreateOrUpdate(rg(), gallery(), d.name(), spec),
        "creating image definition " + d.name());
    events.emit(
        LogEvent.info("register", "created image definition " + gallery() + "/" + d.name()));
  }

  private void requireCreate(String what) {
    if (!settings.gallery().create()) {
      throw new UnideployException(
          what
              + " does not exist and providers.azure.gallery.create is false: create it, or allow"
              + " unideploy to");
    }
  }

  private void check(GalleryImageInner existing, Definition d) {
    List<String> diff = new ArrayList<>();
    if (!Objects.equals(existing.hyperVGeneration(), d.generation())) {
      diff.add(
          "hyperVGeneration " + existing.hyperVGeneration() + " (wanted " + d.generation() + ")");
    }
    Architecture arch =
        existing.architecture() == null ? Architecture.X64 : existing.architecture();
    if (!arch.equals(d.architecture())) {
      diff.add("architecture " + arch + " (wanted " + d.architecture() + ")");
    }
    if (!OperatingSystemTypes.LINUX.equals(existing.osType())) {
      diff.add("osType " + existing.osType());
    }
    if (!diff.isEmpty()) {
      throw new UnideployException(
          "image definition "
              + gallery()
              + "/"
              + d.name()
              + " exists with "
              + String.join(", ", diff)
              + ", which Azure cannot change; set providers.azure.gallery.image to another name or"
              + " publish.bootMode / publish.architecture to match it");
    }
  }

  /** The version, with its replication status, or null when it does not exist. */
  GalleryImageVersionInner version(String definition, String version) {
    return find(
        () ->
            compute()
                .getGalleryImageVersions()
                .getWithResponse(
                    rg(),
                    gallery(),
                    definition,
                    version,
                    ReplicationStatusTypes.REPLICATION_STATUS,
                    Context.NONE)
                .getValue());
  }

  /** Every version of the definition. */
  List<GalleryImageVersionInner> versions(String definition) {
    List<GalleryImageVersionInner> out = new ArrayList<>();
    try {
      compute()
          .getGalleryImageVersions()
          .listByGalleryImage(rg(), gallery(), definition)
          .forEach(out::add);
    } catch (ManagementException e) {
      if (!AzureErrors.notFound(e)) {
        throw Lro.failed("listing versions of " + definition, e);
      }
    }
    return out;
  }

  /**
   * Starts creating (or, for an existing version, updating the target regions of) a version; does
   * not wait for replication, which {@link ReplicationWatcher} follows region by region.
   */
  void putVersion(
      String definition,
      String version,
      Map<String, String> tags,
      GalleryDiskImageSource source,
      OffsetDateTime now) {
    GalleryImageVersionPublishingProfile profile =
        new GalleryImageVersionPublishingProfile()
            .withReplicaCount(settings.replicaCount())
            .withStorageAccountType(StorageAccountType.fromString(settings.storageAccountType()))
            .withExcludeFromLatest(settings.excludeFromLatest())
            .withTargetRegions(targets());
    if (settings.endOfLifeAfter() != null) {
      profile.withEndOfLifeDate(
          now.plus(settings.endOfLifeAfter()).withOffsetSameInstant(ZoneOffset.UTC));
    }
    GalleryImageVersionInner spec =
        new GalleryImageVersionInner()
            .withLocation(settings.requireLocation())
            .withPublishingProfile(profile)
            .withStorageProfile(
                new GalleryImageVersionStorageProfile()
                    .withOsDiskImage(new GalleryOSDiskImage().withSource(source)));
    spec.withTags(tags);
    try {
      // Only the start: the poller is dropped; replication is followed through the version itself.
      compute()
          .getGalleryImageVersions()
          .beginCreateOrUpdate(rg(), gallery(), definition, version, spec)
          .poll();
    } catch (RuntimeException e) {
      throw Lro.failed("creating image version " + definition + "/" + version, e);
    }
  }

  private List<TargetRegion> targets() {
    List<TargetRegion> out = new ArrayList<>();
    for (AzureSettings.TargetRegion t : settings.allRegions()) {
      out.add(
          new TargetRegion()
              .withName(t.name())
              .withRegionalReplicaCount(
                  t.replicas() == null ? settings.replicaCount() : t.replicas())
              .withStorageAccountType(
                  StorageAccountType.fromString(
                      t.storageAccountType() == null
                          ? settings.storageAccountType()
                          : t.storageAccountType()))
              .withExcludeFromLatest(
                  t.excludeFromLatest() == null
                      ? settings.excludeFromLatest()
                      : t.excludeFromLatest()));
    }
    return out;
  }

  void deleteVersion(String definition, String version) {
    await(
        compute().getGalleryImageVersions().beginDelete(rg(), gallery(), definition, version),
        "deleting image version " + definition + "/" + version);
  }

  private <T> T await(com.azure.core.util.polling.SyncPoller<?, T> poller, String what) {
    return Lro.await(poller, what, settings.waits().operation(), settings.waits().pollInterval());
  }

  static <T> T find(java.util.function.Supplier<T> get) {
    try {
      return get.get();
    } catch (ManagementException e) {
      if (AzureErrors.notFound(e)) {
        return null;
      }
      throw Lro.failed("reading from Azure", e);
    }
  }
}
