package dev.unideploy.provider.aws.publish;

import dev.unideploy.provider.aws.call.AwsCall;
import dev.unideploy.provider.aws.clients.AwsClients;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds the tags an image should carry when it lacks them. AWS applies the tags of RegisterImage and
 * CopyImage atomically; some EC2-compatible clouds (and moto) ignore TagSpecifications, and an
 * untagged image would be invisible to re-runs and retention.
 */
final class AmiTagger {
  private final AwsClients clients;
  private final AwsCall calls;

  AmiTagger(AwsClients clients, AwsCall calls) {
    this.clients = clients;
    this.calls = calls;
  }

  /** Tags {@code image} with whatever of {@code wanted} it lacks; returns whether it had to. */
  boolean ensure(ManagedImage image, Map<String, String> wanted) {
    Map<String, String> missing = new LinkedHashMap<>();
    wanted.forEach(
        (k, v) -> {
          if (!v.equals(image.tags().get(k))) {
            missing.put(k, v);
          }
        });
    if (missing.isEmpty()) {
      return false;
    }
    // Always sent, so an IAM condition on aws:RequestTag/unideploy:managed can allow this call.
    missing.put(ImageTags.MANAGED, "true");
    calls.run(
        image.region(),
        "CreateTags",
        () ->
            clients
                .ec2(image.region())
                .createTags(t -> t.resources(image.id()).tags(ImageTags.toSdk(missing))));
    return true;
  }
}
