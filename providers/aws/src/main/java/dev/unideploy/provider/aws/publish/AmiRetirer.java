package dev.unideploy.provider.aws.publish;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.RetiredImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Removes an app's old AMIs in each region: deregisters those {@link RetentionPolicy} picks and
 * deletes their snapshots. It only ever looks at images this account owns that carry {@code
 * unideploy:managed=true} and {@code unideploy:app=<app>}, so images made by other tools are out of
 * reach. A failure in one region is reported after the other regions have been handled.
 */
public final class AmiRetirer {
  private final AmiFinder finder;
  private final AmiRemover remover;
  private final EventSink events;

  public AmiRetirer(AmiFinder finder, AmiRemover remover, EventSink events) {
    this.finder = finder;
    this.remover = remover;
    this.events = events;
  }

  public List<RetiredImage> retire(
      String app, List<String> regions, int keep, Predicate<ManagedImage> protect, boolean dryRun) {
    List<RetiredImage> retired = new ArrayList<>();
    if (keep <= 0) {
      events.emit(LogEvent.info("retire", "publish.keep is 0: keeping every image"));
      return retired;
    }
    Map<String, String> failures = new LinkedHashMap<>();
    for (String region : regions) {
      try {
        List<ManagedImage> images = finder.find(region, ImageTags.managedBy(app));
        List<ManagedImage> chosen = RetentionPolicy.toRetire(images, keep, protect);
        if (chosen.isEmpty()) {
          events.emit(
              LogEvent.info(
                  "retire",
                  region
                      + ": "
                      + images.size()
                      + " image(s) of "
                      + app
                      + ", none beyond keep "
                      + keep));
        }
        for (ManagedImage image : chosen) {
          retired.add(dryRun ? preview(image) : remove(image));
        }
      } catch (UnideployException e) {
        failures.put(region, e.getMessage());
        events.emit(LogEvent.warn("retire", region + ": " + e.getMessage()));
      }
    }
    if (!failures.isEmpty()) {
      throw new UnideployException(
          "retention failed in "
              + String.join(", ", failures.keySet())
              + " ("
              + String.join("; ", failures.values())
              + ") after retiring "
              + retired.size()
              + " image(s) elsewhere; fix the cause and re-run");
    }
    return retired;
  }

  private RetiredImage preview(ManagedImage image) {
    events.emit(
        LogEvent.info(
            "retire",
            image.region()
                + ": would deregister "
                + image.id()
                + " ("
                + image.name()
                + ") and delete "
                + image.snapshotIds()));
    return new RetiredImage(image.region(), image.id(), image.name(), image.snapshotIds(), true);
  }

  private RetiredImage remove(ManagedImage image) {
    return new RetiredImage(image.region(), image.id(), image.name(), remover.remove(image), false);
  }
}
