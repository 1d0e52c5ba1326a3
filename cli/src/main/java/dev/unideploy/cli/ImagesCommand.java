package dev.unideploy.cli;

import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.job.JobSession;
import dev.unideploy.pipeline.spi.ImageCatalog;
import dev.unideploy.pipeline.spi.ImageCatalog.ImageSummary;
import dev.unideploy.pipeline.spi.Provider;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code unideploy images list|delete}: the images a provider holds that unideploy published. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "List or delete the images unideploy published (default: the local store).",
    subcommands = {ImagesCommand.ListImages.class, ImagesCommand.DeleteImages.class})
final class ImagesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The list of images a command returns. */
  record ImageList(String provider, List<ImageSummary> images) {}

  static ImageCatalog catalog(ConfigOptions config, EventSink events) {
    Provider p = config.provider();
    return p.images(JobSession.browsingContext(p, config.load(), events, Clock.systemUTC()));
  }

  static void print(List<ImageSummary> images, PrintWriter out) {
    Table t = new Table("ID", "NAME", "APP", "VERSION", "TAGS", "REGION", "SIZE", "CREATED");
    for (ImageSummary i : images) {
      t.row(
          i.id(),
          i.name(),
          i.app(),
          i.version(),
          i.attributes().getOrDefault("tags", "-"),
          i.region(),
          Sizes.human(i.virtualSize()),
          i.createdAt());
    }
    t.print(out);
  }

  /** {@code images list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the images, by app, oldest first.")
  static final class ListImages extends AbstractCommand<ImageList> {
    @Mixin ConfigOptions config;

    @Option(names = "--all-apps", description = "Every app's images, not only the config's app.")
    boolean allApps;

    @Override
    protected ImageList execute(EventSink events) {
      String app = allApps ? null : config.load().app();
      return new ImageList(config.provider, catalog(config, events).list(app));
    }

    @Override
    protected void printSummary(ImageList result, PrintWriter out) {
      if (result.images().isEmpty()) {
        out.println("no images (" + result.provider() + ")");
        return;
      }
      print(result.images(), out);
    }
  }

  /** {@code images delete REF}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete images. REF is an id, a name, or what the provider accepts (local: an id prefix"
            + " of 6+ hex digits, APP:TAG such as web:latest, or an app name). What an image owns"
            + " (its disk, snapshots) goes with it."
      })
  static final class DeleteImages extends AbstractCommand<ImageList> {
    @Mixin ConfigOptions config;

    @Parameters(index = "0", paramLabel = "REF", description = "Which image(s).")
    String ref;

    @Option(names = "--all", description = "Delete every image REF matches (e.g. an app name).")
    boolean all;

    @Option(names = "--force", description = "Delete even if running instances boot from it.")
    boolean force;

    @Override
    protected ImageList execute(EventSink events) {
      return new ImageList(config.provider, catalog(config, events).delete(ref, all, force));
    }

    @Override
    protected void printSummary(ImageList result, PrintWriter out) {
      out.println("deleted " + result.images().size() + " image(s)");
    }
  }
}
