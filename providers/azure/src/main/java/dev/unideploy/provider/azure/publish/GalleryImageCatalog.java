package dev.unideploy.provider.azure.publish;

import com.azure.core.management.exception.ManagementException;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageInner;
import com.azure.resourcemanager.compute.fluent.models.GalleryImageVersionInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineScaleSetInner;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.provider.azure.core.AzureClients;
import dev.unideploy.provider.azure.core.AzureErrors;
import dev.unideploy.provider.azure.core.AzurePortal;
import dev.unideploy.provider.azure.core.AzureSettings;
import dev.unideploy.provider.azure.core.Lro;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The gallery image versions unideploy published ({@code unideploy images --provider azure}), found
 * by their tags in the configured gallery. Deleting one deletes the disk or blob it was made from;
 * a version that a scale set boots from is kept unless forced (and Azure may still refuse).
 */
public final class GalleryImageCatalog implements ImageCatalog {
  private static final long GIB = 1L << 30;

  private final ProviderContext context;
  private final AzureClients clients;
  private final AzureSettings settings;
  private final GalleryRegistrar registrar;
  private final AzurePortal portal;

  public GalleryImageCatalog(ProviderContext context, AzureClients clients) {
    this.context = context;
    this.clients = clients;
    this.settings = clients.settings();
    this.registrar = new GalleryRegistrar(clients, context.events());
    this.portal = new AzurePortal(settings);
  }

  /** A version with the image definition it belongs to. */
  private record Found(String definition, GalleryImageVersionInner version) {}

  @Override
  public List<ImageSummary> list(String app) {
    return found(app).stream().map(this::summary).toList();
  }

  private List<Found> found(String app) {
    List<Found> out = new ArrayList<>();
    for (String definition : definitions(app)) {
      for (GalleryImageVersionInner v : registrar.versions(definition)) {
        if (ours(v, app)) {
          out.add(new Found(definition, v));
        }
      }
    }
    out.sort(
        Comparator.comparing((Found f) -> createdAt(f.version()))
            .thenComparing(f -> f.version().name()));
    return out;
  }

  private static boolean ours(GalleryImageVersionInner v, String app) {
    Map<String, String> tags = v.tags();
    return app == null
        ? tags != null
            && "true".equals(tags.get(AzureTags.MANAGED))
            && tags.get(AzureTags.APP) != null
        : AzureTags.ours(tags, app);
  }

  /** The image definitions to look in: the configured one, or every one for all apps. */
  private List<String> definitions(String app) {
    if (settings.gallery().image() != null) {
      return List.of(settings.gallery().image());
    }
    if (app != null) {
      return List.of(app);
    }
    List<String> names = new ArrayList<>();
    try {
      for (GalleryImageInner d :
          clients
              .compute()
              .getGalleryImages()
              .listByGallery(settings.requireResourceGroup(), settings.gallery().name())) {
        names.add(d.name());
      }
    } catch (ManagementException e) {
      if (!AzureErrors.notFound(e)) {
        throw Lro.failed(
            "listing the image definitions of gallery " + settings.gallery().name(), e);
      }
    }
    return names;
  }

  @Override
  public List<ImageSummary> delete(String ref, boolean all, boolean force) {
    List<Found> matches = found(null).stream().filter(f -> matches(f, ref)).toList();
    if (matches.isEmpty()) {
      throw new UnideployException(
          "no image version unideploy published matches '"
              + ref
              + "' in gallery "
              + settings.gallery().name()
              + ": see unideploy images list --provider azure");
    }
    if (matches.size() > 1 && !all) {
      throw new UnideployException(
          "'"
              + ref
              + "' matches "
              + matches.size()
              + " image versions ("
              + matches.stream().map(GalleryImageCatalog::name).collect(Collectors.joining(", "))
              + "): name one, or add --all");
    }
    Map<String, List<String>> users = users();
    List<ImageSummary> deleted = new ArrayList<>();
    for (Found f : matches) {
      List<String> by = users.getOrDefault(f.version().id().toLowerCase(Locale.ROOT), List.of());
      if (!by.isEmpty() && !force) {
        throw new UnideployException(
            "image version "
                + name(f)
                + " is what scale set(s) "
                + String.join(", ", by)
                + " boot from: remove them first (unideploy instances stop GROUP --provider azure)"
                + " or add --force");
      }
      ImageSummary s = summary(f);
      registrar.deleteVersion(f.definition(), f.version().name());
      List<String> gone = new ArrayList<>();
      String upload = f.version().tags().get(AzureTags.UPLOAD);
      if (upload != null
          && new UploadCleaner(clients, context.events(), context.clock())
              .delete(upload, "delete")) {
        gone.add(upload);
      }
      deleted.add(s.withAttribute("deletedResources", String.join(",", gone)));
      context
          .events()
          .emit(
              LogEvent.info(
                  "delete",
                  "deleted image version " + name(f) + (gone.isEmpty() ? "" : " and " + gone)));
    }
    return deleted;
  }

  /** Whether {@code ref} is the version's id, DEFINITION/VERSION, VERSION, app version or app. */
  private static boolean matches(Found f, String ref) {
    GalleryImageVersionInner v = f.version();
    Map<String, String> tags = v.tags();
    return ref.equalsIgnoreCase(v.id())
        || ref.equals(name(f))
        || ref.equals(v.name())
        || ref.equals(tags.get(AzureTags.APP_VERSION))
        || ref.equals(tags.get(AzureTags.APP));
  }

  /** Lower-case image id -> the scale sets of the resource group that boot from it. */
  private Map<String, List<String>> users() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try {
      for (VirtualMachineScaleSetInner s :
          clients
              .compute()
              .getVirtualMachineScaleSets()
              .listByResourceGroup(settings.requireResourceGroup())) {
        if (s.virtualMachineProfile() != null
            && s.virtualMachineProfile().storageProfile() != null
            && s.virtualMachineProfile().storageProfile().imageReference() != null
            && s.virtualMachineProfile().storageProfile().imageReference().id() != null) {
          out.computeIfAbsent(
                  s.virtualMachineProfile()
                      .storageProfile()
                      .imageReference()
                      .id()
                      .toLowerCase(Locale.ROOT),
                  k -> new ArrayList<>())
              .add(s.name());
        }
      }
    } catch (ManagementException e) {
      throw Lro.failed("listing the scale sets that boot from the gallery", e);
    }
    return out;
  }

  private static String name(Found f) {
    return f.definition() + "/" + f.version().name();
  }

  private ImageSummary summary(Found f) {
    GalleryImageVersionInner v = f.version();
    Map<String, String> tags = v.tags();
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("sha256", tags.getOrDefault(AzureTags.SHA256, ""));
    if (tags.get(AzureTags.UPLOAD) != null) {
      attrs.put("upload", tags.get(AzureTags.UPLOAD));
    }
    attrs.put("provisioningState", String.valueOf(v.provisioningState()));
    if (v.publishingProfile() != null && v.publishingProfile().targetRegions() != null) {
      attrs.put(
          "regions",
          v.publishingProfile().targetRegions().stream()
              .map(t -> ReplicationWatcher.norm(t.name()))
              .collect(Collectors.joining(",")));
    }
    if (v.publishingProfile() != null
        && Boolean.TRUE.equals(v.publishingProfile().excludeFromLatest())) {
      attrs.put("tags", "excluded-from-latest");
    }
    String link = portal.link(v.id());
    if (link != null) {
      attrs.put("consoleUrl", link);
    }
    return new ImageSummary(
        v.id(),
        name(f),
        tags.get(AzureTags.APP),
        tags.get(AzureTags.APP_VERSION),
        ReplicationWatcher.norm(v.location()),
        virtualSize(v),
        createdAt(v),
        attrs);
  }

  private static long virtualSize(GalleryImageVersionInner v) {
    try {
      String t = v.tags() == null ? null : v.tags().get(AzureTags.VIRTUAL_SIZE);
      if (t != null) {
        return Long.parseLong(t);
      }
    } catch (NumberFormatException e) {
      // a tag edited by hand: fall back to Azure's size in GiB
    }
    if (v.storageProfile() != null
        && v.storageProfile().osDiskImage() != null
        && v.storageProfile().osDiskImage().sizeInGB() != null) {
      return v.storageProfile().osDiskImage().sizeInGB() * GIB;
    }
    return 0;
  }

  private static Instant createdAt(GalleryImageVersionInner v) {
    String t = v.tags() == null ? null : v.tags().get(AzureTags.PUBLISHED_AT);
    if (t != null) {
      try {
        return Instant.parse(t);
      } catch (DateTimeParseException e) {
        // a tag edited by hand: fall back to Azure's publish date
      }
    }
    if (v.publishingProfile() != null && v.publishingProfile().publishedDate() != null) {
      return v.publishingProfile().publishedDate().toInstant();
    }
    return Instant.EPOCH;
  }
}
