package dev.unideploy.pipeline.spi;

import java.util.List;

/**
 * An image retention removed (or, in a dry run, would remove), with what went with it.
 *
 * @param deletedResources the snapshots, blobs or disks deleted with the image
 */
public record RetiredImage(
    String region, String imageId, String name, List<String> deletedResources, boolean dryRun) {
  public RetiredImage {
    deletedResources = List.copyOf(deletedResources);
  }
}
