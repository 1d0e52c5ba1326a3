package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.Image;
import com.google.cloud.compute.v1.ImagesClient;
import com.google.cloud.compute.v1.ListImagesRequest;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.config.ImageLabels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Finds this tool's images by label (never by name alone), newest first. */
final class ImageFinder {
  private final ImagesClient images;
  private final GcpCall calls;
  private final String project;

  ImageFinder(ImagesClient images, GcpCall calls, String project) {
    this.images = images;
    this.calls = calls;
    this.project = project;
  }

  /** Every image this tool made for the app, newest first. */
  List<Image> ofApp(String app) {
    List<Image> all = new ArrayList<>();
    String token = "";
    do {
      ListImagesRequest request =
          ListImagesRequest.newBuilder()
              .setProject(project)
              .setFilter(ImageLabels.appFilter(app))
              .setMaxResults(500)
              .setPageToken(token)
              .build();
      var page = calls.call("images.list", () -> images.listCallable().call(request));
      all.addAll(page.getItemsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    all.sort(Comparator.comparing(Image::getCreationTimestamp).reversed());
    return all;
  }

  /** This tool's image of the app with this content and these settings, if any. */
  Optional<Image> same(String app, String sha256, String fingerprint) {
    return ofApp(app).stream()
        .filter(i -> ImageLabels.shaLabel(sha256).equals(i.getLabelsMap().get(ImageLabels.SHA256)))
        .filter(i -> fingerprint.equals(i.getLabelsMap().get(ImageLabels.SETTINGS)))
        .filter(i -> !"FAILED".equals(i.getStatus()))
        .findFirst();
  }

  Optional<Image> byName(String name) {
    try {
      return Optional.of(calls.call("images.get", () -> images.get(project, name)));
    } catch (GcpCallException e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    }
  }
}
