package dev.unideploy.cli;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.local.GroupRecord;
import dev.unideploy.provider.local.ImageStore;
import dev.unideploy.provider.local.InstanceRegistry;
import dev.unideploy.provider.local.LocalHome;
import dev.unideploy.provider.local.StoredImage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy images list|delete}: the local provider's image store. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "List or delete images in the local image store.",
    subcommands = {ImagesCommand.ListImages.class, ImagesCommand.DeleteImages.class})
final class ImagesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static Map<String, Object> describe(StoredImage i, ImageStore store) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("name", i.name());
    m.put("app", i.app());
    m.put("version", i.version());
    m.put("tags", i.tags());
    m.put("virtualSize", i.virtualSize());
    m.put("sha256", i.sha256());
    m.put("createdAt", i.createdAt().toString());
    m.put("path", store.blobPath(i.sha256()).toString());
    return m;
  }

  /** {@code images list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the images in the local store, by app, oldest first.")
  static final class ListImages extends AbstractCommand {
    @Mixin LocalOptions local;

    @Option(names = "--app", paramLabel = "APP", description = "Only this app's images.")
    String app;

    @Override
    protected Map<String, Object> execute(EventSink events) {
      LocalHome home = local.localHome();
      ImageStore store = new ImageStore(home.store());
      List<Map<String, Object>> images = new ArrayList<>();
      for (StoredImage i : store.list(app)) {
        images.add(describe(i, store));
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("store", store.root().toString());
      r.put("images", images);
      return r;
    }

    @Override
    protected void printSummary(Map<String, Object> result, PrintWriter out) {
      @SuppressWarnings("unchecked") // built in execute()
      List<Map<String, Object>> images = (List<Map<String, Object>>) result.get("images");
      if (images.isEmpty()) {
        out.println("no images in " + result.get("store"));
        return;
      }
      Table t = new Table("ID", "NAME", "APP", "TAGS", "SIZE", "CREATED");
      for (Map<String, Object> i : images) {
        t.row(
            i.get("id"),
            i.get("name"),
            i.get("app"),
            String.join(",", asStrings(i.get("tags"))),
            Sizes.human((Long) i.get("virtualSize")),
            i.get("createdAt"));
      }
      t.print(out);
      out.println("store: " + result.get("store"));
    }
  }

  /** {@code images delete REF}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete images from the local store. REF is an id (or a prefix of 6+ hex digits), a name,",
        "APP:TAG (e.g. web:latest) or an app name. The disk is deleted with the last image",
        "naming it."
      })
  static final class DeleteImages extends AbstractCommand {
    @Mixin LocalOptions local;

    @Parameters(index = "0", paramLabel = "REF", description = "Which image(s).")
    String ref;

    @Option(names = "--all", description = "Delete every image REF matches (e.g. an app name).")
    boolean all;

    @Option(names = "--force", description = "Delete even if running instances boot from it.")
    boolean force;

    @Override
    protected Map<String, Object> execute(EventSink events) {
      LocalHome home = local.localHome();
      ImageStore store = new ImageStore(home.store());
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
      Set<String> inUse =
          new InstanceRegistry(home)
              .groups(null).stream()
                  .filter(g -> !g.activeInstances().isEmpty())
                  .map(GroupRecord::imageSha256)
                  .collect(Collectors.toSet());
      List<Map<String, Object>> deleted = new ArrayList<>();
      for (StoredImage i : matches) {
        if (inUse.contains(i.sha256()) && !force) {
          throw new UnideployException(
              "image "
                  + i.name()
                  + " is what running instances boot from: stop them first (unideploy"
                  + " instances list) or add --force");
        }
        Map<String, Object> m = describe(i, store);
        m.put("deletedFiles", store.delete(i));
        deleted.add(m);
        events.emit(LogEvent.info("delete", "deleted " + i.name() + " (" + i.id() + ")"));
      }
      return Map.of("deleted", deleted);
    }

    @Override
    protected void printSummary(Map<String, Object> result, PrintWriter out) {
      @SuppressWarnings("unchecked") // built in execute()
      List<Map<String, Object>> deleted = (List<Map<String, Object>>) result.get("deleted");
      out.println("deleted " + deleted.size() + " image(s)");
    }
  }

  static List<String> asStrings(Object list) {
    List<String> out = new ArrayList<>();
    if (list instanceof List<?> l) {
      l.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }
}
