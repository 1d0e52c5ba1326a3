package dev.unideploy.it.aws.publish;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.DescribeImagesResponse;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageState;
import software.amazon.awssdk.services.ec2.model.StateReason;

/**
 * Rewrites the state moto reports for images whose name starts with a prefix: moto makes every AMI
 * {@code available} at once, so a test that needs {@code pending} or {@code failed} (as EC2 reports
 * while it works, or when a snapshot is unusable) sets it here.
 */
final class ImageStateInterceptor implements ExecutionInterceptor {
  private final String namePrefix;
  private final ImageState state;
  private final String reason;
  private final int times;
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();

  /**
   * Reports {@code state} (with {@code reason}) for the first {@code times} descriptions of each
   * matching image, then the real state; {@code times} &lt; 0 means always.
   */
  ImageStateInterceptor(String namePrefix, ImageState state, String reason, int times) {
    this.namePrefix = namePrefix;
    this.state = state;
    this.reason = reason;
    this.times = times;
  }

  @Override
  public SdkResponse modifyResponse(
      Context.ModifyResponse context, ExecutionAttributes attributes) {
    if (!(context.response() instanceof DescribeImagesResponse r)) {
      return context.response();
    }
    return r.toBuilder().images(r.images().stream().map(this::rewrite).toList()).build();
  }

  private Image rewrite(Image image) {
    if (image.name() == null || !image.name().startsWith(namePrefix)) {
      return image;
    }
    int n = seen.computeIfAbsent(image.imageId(), k -> new AtomicInteger()).getAndIncrement();
    if (times >= 0 && n >= times) {
      return image;
    }
    Image.Builder b = image.toBuilder().state(state);
    if (reason != null) {
      b.stateReason(StateReason.builder().code("Client.Test").message(reason).build());
    }
    return b.build();
  }

  /** How many times an image with this id was described. */
  int describedTimes(String imageId) {
    AtomicInteger n = seen.get(imageId);
    return n == null ? 0 : n.get();
  }
}
