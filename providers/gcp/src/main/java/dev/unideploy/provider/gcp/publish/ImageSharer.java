package dev.unideploy.provider.gcp.publish;

import com.google.cloud.compute.v1.Binding;
import com.google.cloud.compute.v1.GlobalSetPolicyRequest;
import com.google.cloud.compute.v1.ImagesClient;
import com.google.cloud.compute.v1.Policy;
import com.google.cloud.compute.v1.SetIamPolicyImageRequest;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.events.LogEvent;
import dev.unideploy.provider.gcp.api.GcpCall;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.config.GcpShareSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Grants {@code roles/compute.imageUser} on an image by read-modify-write of its IAM policy: the
 * write carries the etag that was read, so a concurrent change makes it fail (412) instead of being
 * overwritten, and the whole read-modify-write is then repeated, as
 * https://cloud.google.com/iam/docs/policies#etag asks. Members are only ever added.
 */
final class ImageSharer {
  static final int MAX_ROUNDS = 5;

  private final ImagesClient images;
  private final GcpCall calls;
  private final EventSink events;
  private final String project;

  ImageSharer(ImagesClient images, GcpCall calls, EventSink events, String project) {
    this.images = images;
    this.calls = calls;
    this.events = events;
    this.project = project;
  }

  /** Adds the principals; returns the ones that were added (empty when all had it already). */
  List<String> share(String image, List<String> principals) {
    if (principals.isEmpty()) {
      return List.of();
    }
    for (int round = 1; ; round++) {
      Policy policy = calls.call("images.getIamPolicy", () -> images.getIamPolicy(project, image));
      Set<String> present = new LinkedHashSet<>();
      for (Binding b : policy.getBindingsList()) {
        if (b.getRole().equals(GcpShareSettings.IMAGE_USER) && !b.hasCondition()) {
          present.addAll(b.getMembersList());
        }
      }
      List<String> missing = new ArrayList<>();
      for (String p : principals) {
        if (!present.contains(p)) {
          missing.add(p);
        }
      }
      if (missing.isEmpty()) {
        return List.of();
      }
      Policy updated = withMembers(policy, missing);
      try {
        calls.call(
            "images.setIamPolicy",
            () ->
                images.setIamPolicy(
                    SetIamPolicyImageRequest.newBuilder()
                        .setProject(project)
                        .setResource(image)
                        .setGlobalSetPolicyRequestResource(
                            GlobalSetPolicyRequest.newBuilder().setPolicy(updated))
                        .build()));
        return missing;
      } catch (GcpCallException e) {
        if (!e.preconditionFailed() || round >= MAX_ROUNDS) {
          if (e.preconditionFailed()) {
            throw new UnideployException(
                "the IAM policy of image "
                    + image
                    + " kept changing while it was updated ("
                    + MAX_ROUNDS
                    + " attempts); re-run the same command",
                e);
          }
          throw e;
        }
        events.emit(
            LogEvent.info(
                "share",
                "the IAM policy of "
                    + image
                    + " changed since it was read (etag); reading it again"));
      }
    }
  }

  private static Policy withMembers(Policy policy, List<String> missing) {
    Policy.Builder b = policy.toBuilder().clearBindings();
    boolean added = false;
    for (Binding binding : policy.getBindingsList()) {
      if (!added
          && binding.getRole().equals(GcpShareSettings.IMAGE_USER)
          && !binding.hasCondition()) {
        b.addBindings(binding.toBuilder().addAllMembers(missing));
        added = true;
      } else {
        b.addBindings(binding);
      }
    }
    if (!added) {
      b.addBindings(
          Binding.newBuilder().setRole(GcpShareSettings.IMAGE_USER).addAllMembers(missing));
    }
    return b.build();
  }
}
