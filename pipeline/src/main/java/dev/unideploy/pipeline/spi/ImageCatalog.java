package dev.unideploy.pipeline.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The images a provider holds that unideploy published ({@code unideploy images}): listed by app
 * and deleted with what they own (snapshots, blobs). Never touches images unideploy did not make.
 */
public interface ImageCatalog {

  /** The images of {@code app} (every app when null), oldest first. */
  List<ImageSummary> list(String app);

  /**
   * Deletes the images {@code ref} names (an id, a name, or a provider-specific reference); more
   * than one only with {@code all}; images that running instances boot from only with {@code
   * force}. Throws a {@link dev.unideploy.pipeline.UnideployException} that says what matched.
   */
  List<ImageSummary> delete(String ref, boolean all, boolean force);

  /** One image, as {@code images list} shows it. */
  record ImageSummary(
      String id,
      String name,
      String app,
      String version,
      String region,
      long virtualSize,
      Instant createdAt,
      Map<String, String> attributes) {
    public ImageSummary {
      attributes = Map.copyOf(attributes);
    }

    /** This summary with one more attribute (what a delete removed along with the image). */
    public ImageSummary withAttribute(String key, String value) {
      Map<String, String> a = new java.util.LinkedHashMap<>(attributes);
      a.put(key, value);
      return new ImageSummary(id, name, app, version, region, virtualSize, createdAt, a);
    }
  }
}
