package dev.unideploy.pipeline.config;

import dev.unideploy.pipeline.UnideployException;
import java.util.regex.Pattern;

/**
 * The rules for the app name and the release version, which end up in file paths, cloud resource
 * names, tags and labels: both are checked once, where they enter, so that no later step has to
 * escape them.
 */
public final class Names {
  /** The app name rule, as a regex (the config schema publishes it too). */
  public static final String APP_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";

  /** The version rule, as a regex; a version must also not contain "..". */
  public static final String VERSION_PATTERN = "[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62})";

  private static final Pattern APP = Pattern.compile(APP_PATTERN);

  // Semantic versions, dates and build numbers (1.2.3, 2024.05.01, 1.0.0-rc.1+build.5, v7); no
  // path separators, no "..", no spaces or quotes: they become file names and image names.
  private static final Pattern VERSION = Pattern.compile(VERSION_PATTERN);

  private Names() {}

  public static String checkApp(String app) {
    if (!APP.matcher(app).matches()) {
      throw new UnideployException(
          "app name '"
              + printable(app)
              + "' is not usable in cloud resource names: use 1-63 lowercase letters, digits"
              + " and '-', starting and ending with a letter or digit");
    }
    return app;
  }

  public static String checkVersion(String version) {
    if (!VERSION.matcher(version).matches() || version.contains("..")) {
      throw new UnideployException(
          "version '"
              + printable(version)
              + "' cannot be used in image and file names: use up to 63 letters, digits and"
              + " '.', '-', '_', '+', starting with a letter or digit (e.g. 1.2.3 or"
              + " 2024.05.01-rc.1)");
    }
    return version;
  }

  /** The text with control characters shown as {@code ?}, so an error cannot drive a terminal. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().limit(80).forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return sb.toString();
  }
}
