package dev.unideploy.provider.local;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.ImageCatalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The local image store as an {@link ImageCatalog}: list by app, delete by reference. */
final class LocalImageCatalog implements ImageCatalog {
  private final ImageStore store;
  private final InstanceRegistry registry;
  private final EventSink events;

  LocalImageCatalog(ImageStore store, InstanceRegistry registry, EventSink events) {
    this.store = store;
    this.registry = registry;
    this.events = events;
  }

  @Override
  public List<ImageSummary> list(String app) {
    return store.list(app).stream().map(this::summary).toList();
  }

  /**
   * {@code ref} is an id (or a prefix of 6+ hex digits), a name, {@code APP:TAG} (such as {@code
   * web:latest}) or an app name. The disk is deleted with the last image naming it.
   */
  @Override
  public List<ImageSummary> delete(String ref, boolean all, boolean force) {
    List<StoredImage> matches = store.resolve(ref);
    if (matches.isEmpty()) {
      throw new UnideployException(
          "no image matches '" + ref + "' in " + store.root() + ": see unideploy images list");
    }
    if (matches.size() > 1 && !all) {
      throw new UnideployException(
          "'"
              + ref
              + "' matches "
              + matches.size()
              + " images ("
              + matches.stream().map(StoredImage::name).collect(Collectors.joining(", "))
              + "): name one, or add --all");
    }
    // A group kept at size 0 is a rollback target: its image must stay as much as a running one.
    Map<String, String> groupOf = new LinkedHashMap<>();
    registry.groups(null).forEach(g -> groupOf.putIfAbsent(g.imageSha256(), g.name()));
    List<ImageSummary> deleted = new ArrayList<>();
    for (StoredImage i : matches) {
      if (groupOf.containsKey(i.sha256()) && !force) {
        throw new UnideployException(
            "image "
                + i.name()
                + " is what server group "
                + groupOf.get(i.sha256())
                + " boots from (serving, or kept for a rollback): remove the group first"
                + " (unideploy instances stop "
                + groupOf.get(i.sha256())
                + ") or add --force");
      }
      ImageSummary s = summary(i);
      List<String> files = store.delete(i);
      Map<String, String> attrs = new LinkedHashMap<>(s.attributes());
      attrs.put("deletedFiles", String.join(",", files));
      deleted.add(
          new ImageSummary(
              s.id(),
              s.name(),
              s.app(),
              s.version(),
              s.region(),
              s.virtualSize(),
              s.createdAt(),
              attrs));
      events.emit(LogEvent.info("delete", "deleted " + i.name() + " (" + i.id() + ")"));
    }
    return deleted;
  }

  private ImageSummary summary(StoredImage i) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("tags", String.join(",", i.tags()));
    attrs.put("sha256", i.sha256());
    attrs.put("path", store.blobPath(i.sha256()).toString());
    return new ImageSummary(
        i.id(),
        i.name(),
        i.app(),
        i.version(),
        LocalImagePublisher.REGION,
        i.virtualSize(),
        i.createdAt(),
        attrs);
  }
}
