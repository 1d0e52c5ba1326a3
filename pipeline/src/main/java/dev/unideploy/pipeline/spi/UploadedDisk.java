package dev.unideploy.pipeline.spi;

import java.util.Map;

/**
 * The result of an upload: a provider-side handle (snapshot id, object URL, blob URL, store path)
 * plus facts worth reporting (blocks sent, bytes sent, whether it was resumed).
 */
public record UploadedDisk(String handle, Map<String, Object> facts) {
  public UploadedDisk {
    facts = Map.copyOf(facts);
  }
}
