package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.DeprecateImageRequest;
import com.google.cloud.compute.v1.DeprecationStatus;
import com.google.cloud.compute.v1.Image;
import com.google.cloud.compute.v1.PatchImageRequest;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.gcp.api.GcpCallException;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the image family point at the image just published: Compute Engine resolves a family to its
 * newest image that is not deprecated
 * (https://cloud.google.com/compute/docs/images/image-families-best-practices), so the app's other
 * images in the family are deprecated with this one as replacement, and this one is made ACTIVE
 * again when a publish chose an older image. Only images this tool made for the app are touched.
 */
final class FamilyPointer {
  private final ImageSteps steps;

  FamilyPointer(ImageSteps steps) {
    this.steps = steps;
  }

  /** Points {@code family} at {@code current}; returns what changed. */
  List<String> point(String app, String family, Image current, boolean deprecateOthers) {
    List<String> changes = new ArrayList<>();
    if (!family.equals(current.getFamily())) {
      Image patch = Image.newBuilder().setFamily(family).build();
      steps
          .global()
          .run(
              "share",
              "images.patch",
              "setting the family of " + current.getName() + " to " + family,
              () ->
                  steps
                      .images()
                      .patchCallable()
                      .call(
                          PatchImageRequest.newBuilder()
                              .setProject(steps.project())
                              .setImage(current.getName())
                              .setImageResource(patch)
                              .build()));
      changes.add(current.getName() + " family " + family);
    }
    if (isDeprecated(current)) {
      deprecate(current.getName(), DeprecationStatus.newBuilder().setState("ACTIVE").build());
      changes.add(current.getName() + " active again");
    }
    if (deprecateOthers) {
      for (Image other : steps.finder().ofApp(app)) {
        if (other.getName().equals(current.getName())
            || !family.equals(other.getFamily())
            || !"READY".equals(other.getStatus())
            || isDeprecated(other)) {
          continue;
        }
        deprecate(
            other.getName(),
            DeprecationStatus.newBuilder()
                .setState("DEPRECATED")
                .setReplacement(current.getSelfLink())
                .build());
        changes.add(other.getName() + " deprecated");
      }
    }
    warnIfFamilyPointsElsewhere(family, current);
    return changes;
  }

  private void deprecate(String name, DeprecationStatus status) {
    steps
        .global()
        .run(
            "share",
            "images.deprecate",
            "marking image " + name + " " + status.getState(),
            () ->
                steps
                    .images()
                    .deprecateCallable()
                    .call(
                        DeprecateImageRequest.newBuilder()
                            .setProject(steps.project())
                            .setImage(name)
                            .setDeprecationStatusResource(status)
                            .build()));
  }

  private void warnIfFamilyPointsElsewhere(String family, Image current) {
    try {
      Image latest =
          steps
              .global()
              .calls()
              .call(
                  "images.getFromFamily",
                  () -> steps.images().getFromFamily(steps.project(), family));
      if (!latest.getName().equals(current.getName())) {
        steps
            .events()
            .emit(
                LogEvent.warn(
                    "share",
                    "family "
                        + family
                        + " resolves to "
                        + latest.getName()
                        + ", an image unideploy did not make for this app; it was left alone"));
      }
    } catch (GcpCallException e) {
      if (!e.notFound()) {
        throw e;
      }
    }
  }

  static boolean isDeprecated(Image image) {
    String state = image.hasDeprecated() ? image.getDeprecated().getState() : "";
    return !state.isEmpty() && !"ACTIVE".equals(state);
  }
}
