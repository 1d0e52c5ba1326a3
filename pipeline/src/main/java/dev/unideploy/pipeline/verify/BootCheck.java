package dev.unideploy.pipeline.verify;

import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.qemu.DiskController;
import java.nio.file.Path;

/**
 * Proves an image boots before it is published. {@link QemuBootCheck} implements it; it throws
 * {@link dev.unideploy.pipeline.UnideployException} when the image does not boot.
 */
@FunctionalInterface
public interface BootCheck {

  /**
   * Boots {@code image} (never modifying it) with its disk on {@code controller} (the one the
   * target cloud uses) and returns what happened.
   */
  VerifyResult verify(
      Path image, PublishSettings settings, DiskController controller, EventSink events);
}
