package dev.unideploy.sample.demo;

import dev.unideploy.pipeline.convert.InspectResult;
import dev.unideploy.pipeline.rollout.DeployResult;
import java.util.List;

/**
 * What {@code unideploy demo} did.
 *
 * @param formats one row per output format: converted, read back, booted
 * @param deploy the deploy of the sample to the local provider
 * @param stopped whether the instances were stopped at the end (not with {@code --keep})
 * @param home the local provider's home (image store, instance logs)
 */
public record DemoResult(
    String workDir,
    InspectResult inspect,
    List<FormatRow> formats,
    DeployResult deploy,
    boolean stopped,
    String home,
    double wallSeconds) {
  public DemoResult {
    formats = List.copyOf(formats);
  }

  /**
   * One output format.
   *
   * @param content {@code same} when the file reads back to the source's content hash, {@code same
   *     (padded)} when the format pads the disk and the padding is zero
   */
  public record FormatRow(
      String format,
      String file,
      long fileBytes,
      long virtualSize,
      double convertSeconds,
      String content,
      double bootSeconds,
      String accelerator,
      String serialLog) {}
}
