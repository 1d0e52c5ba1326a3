package dev.unideploy.provider.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The unideploy version this provider was built as, for the {@code unideploy:version} tag. */
final class ToolVersion {
  private static final String VERSION = load();

  private ToolVersion() {}

  static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = ToolVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the provider's version.properties", e);
    }
  }
}
