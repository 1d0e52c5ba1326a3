package dev.unideploy.pipeline.publish;

import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.events.EventSink;
import dev.unideploy.pipeline.qemu.DiskController;
import java.nio.file.Path;
import java.util.Map;

/**
 * Proves an image boots before it is published. The pipeline's QEMU verification implements it; it
 * throws {@link dev.unideploy.pipeline.UnideployException} when the image does not boot.
 */
@FunctionalInterface
public interface BootCheck {

  /**
   * Boots {@code image} (never modifying it) with its disk on {@code controller} (the one the
   * target cloud uses) and returns facts for the result document.
   */
  Map<String, Object> verify(
      Path image, PublishSettings settings, DiskController controller, EventSink events);
}
