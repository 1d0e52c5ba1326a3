package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.GuestOsFeature;
import com.google.cloud.compute.v1.Image;
import com.google.cloud.compute.v1.ImagesClient;
import com.google.cloud.compute.v1.InsertImageRequest;
import com.google.cloud.compute.v1.Operation;
import com.google.cloud.compute.v1.RawDisk;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.Deadline;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.OperationWaiter;
import dev.unideploy.provider.gcp.config.ImageLabels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * images.insert from the uploaded tarball, waited for with a deadline. A retried insert carries the
 * first attempt's request id, so it is answered with that attempt's operation instead of making a
 * second image; an image of that name left by a crashed run is taken over when its labels say it is
 * this content, and refused otherwise.
 */
final class ImageImporter {
  private final ImagesClient images;
  private final GcpCall calls;
  private final OperationWaiter waiter;
  private final Function<String, Operation> globalOperation;
  private final ImageFinder finder;
  private final String project;
  private final Duration pollInterval;

  ImageImporter(
      ImagesClient images,
      GcpCall calls,
      OperationWaiter waiter,
      Function<String, Operation> globalOperation,
      ImageFinder finder,
      String project,
      Duration pollInterval) {
    this.pollInterval = pollInterval;
    this.images = images;
    this.calls = calls;
    this.waiter = waiter;
    this.globalOperation = globalOperation;
    this.finder = finder;
    this.project = project;
  }

  /** What to import: name, source URL and every field the image gets. */
  record Spec(
      String name,
      String sourceUrl,
      String architecture,
      List<String> features,
      String family,
      String description,
      String storageLocation,
      Map<String, String> labels,
      String sha256) {}

  Image importImage(Spec spec, Duration timeout) {
    Image.Builder image =
        Image.newBuilder()
            .setName(spec.name())
            .setRawDisk(RawDisk.newBuilder().setSource(spec.sourceUrl()).setContainerType("TAR"))
            .setArchitecture(spec.architecture())
            .setDescription(spec.description())
            .putAllLabels(spec.labels());
    for (String f : spec.features()) {
      image.addGuestOsFeatures(GuestOsFeature.newBuilder().setType(f));
    }
    if (spec.family() != null) {
      image.setFamily(spec.family());
    }
    if (spec.storageLocation() != null) {
      image.addStorageLocations(spec.storageLocation());
    }
    // One request id per run, kept by the call policy's retries: a retried insert gets the first
    // attempt's operation. Not derived from the content: within the hour Compute Engine remembers
    // ids, a re-run after a failed import would be answered with that failed operation again.
    String requestId = UUID.randomUUID().toString();
    InsertImageRequest request =
        InsertImageRequest.newBuilder()
            .setProject(project)
            .setImageResource(image)
            .setRequestId(requestId)
            .build();
    String what = "importing image " + spec.name() + " from " + spec.sourceUrl();
    try {
      Operation op = calls.call("images.insert", () -> images.insertCallable().call(request));
      waiter.await("register", what, op, globalOperation, timeout);
    } catch (GcpCallException e) {
      if (!e.conflict()) {
        throw e;
      }
      Image existing = finder.byName(spec.name()).orElseThrow(() -> e);
      String sha = existing.getLabelsMap().get(ImageLabels.SHA256);
      if (!ImageLabels.shaLabel(spec.sha256()).equals(sha)) {
        throw new UnideployException(
            "an image named "
                + spec.name()
                + " already exists in "
                + project
                + " with other content: bump the version, or change publish.name",
            e);
      }
    }
    return awaitReady(spec.name(), timeout);
  }

  /** Waits until the image is READY (an earlier run's import may still be running). */
  Image awaitReady(String name, Duration timeout) {
    Image[] last = {null};
    new Deadline("image " + name + " to become READY", timeout, pollInterval)
        .await(
            () -> {
              last[0] =
                  finder
                      .byName(name)
                      .orElseThrow(
                          () ->
                              new UnideployException(
                                  "image "
                                      + name
                                      + " vanished while it was imported (the import failed);"
                                      + " re-run to import it again"));
              if ("FAILED".equals(last[0].getStatus())) {
                throw new UnideployException(
                    "image " + name + " failed to import; delete it and re-run");
              }
              return "READY".equals(last[0].getStatus());
            },
            () -> last[0] == null ? "not read yet" : last[0].getStatus(),
            "re-run to keep waiting, or raise providers.gcp.timeouts.imageImport");
    return last[0];
  }
}
