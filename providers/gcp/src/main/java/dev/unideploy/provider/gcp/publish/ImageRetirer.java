package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.DeleteImageRequest;
import com.google.cloud.compute.v1.Image;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.pipeline.spi.RetiredImage;
import dev.unideploy.provider.gcp.api.GcpCallException;
import java.util.ArrayList;
import java.util.List;

/**
 * Retention: keeps the app's newest {@code keep} READY images (by creation time) and deletes the
 * older ones. Only images labelled {@code managed-by: unideploy} for this app are looked at; the
 * image this run published is always kept; images still PENDING are neither counted nor deleted.
 */
final class ImageRetirer {
  private final ImageSteps steps;

  ImageRetirer(ImageSteps steps) {
    this.steps = steps;
  }

  List<RetiredImage> retire(String app, int keep, String current, boolean dryRun) {
    if (keep <= 0) {
      steps.events().emit(LogEvent.info("retire", "publish.keep is 0: every image is kept"));
      return List.of();
    }
    List<RetiredImage> retired = new ArrayList<>();
    int newest = 0;
    for (Image image : steps.finder().ofApp(app)) {
      boolean ready = "READY".equals(image.getStatus());
      if (!ready && !"FAILED".equals(image.getStatus())) {
        continue; // still importing: not counted, not touched
      }
      if (ready && ++newest <= keep || image.getName().equals(current)) {
        continue;
      }
      if (!dryRun) {
        try {
          steps
              .global()
              .run(
                  "retire",
                  "images.delete",
                  "deleting image " + image.getName(),
                  () ->
                      steps
                          .images()
                          .deleteCallable()
                          .call(
                              DeleteImageRequest.newBuilder()
                                  .setProject(steps.project())
                                  .setImage(image.getName())
                                  .build()));
        } catch (GcpCallException e) {
          if (!e.notFound()) {
            throw e;
          }
        }
      }
      steps
          .events()
          .emit(
              LogEvent.info(
                  "retire", (dryRun ? "would delete " : "deleted ") + "image " + image.getName()));
      retired.add(
          new RetiredImage(
              "global",
              image.getSelfLink(),
              image.getName(),
              List.of(image.getSelfLink()),
              dryRun));
    }
    return retired;
  }
}
