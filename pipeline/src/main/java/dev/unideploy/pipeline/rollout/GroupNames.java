package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.spi.ServerGroup;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server group names: {@code {app}-v{NNN}}, one number higher than any group of the app, so that
 * names sort by release and are never reused while an older group still exists.
 */
public final class GroupNames {
  private GroupNames() {}

  /** The name for the app's next group. */
  public static String next(String app, List<ServerGroup> existing) {
    int max = 0;
    Pattern p = Pattern.compile(Pattern.quote(app) + "-v(\\d{1,9})");
    for (ServerGroup g : existing) {
      Matcher m = p.matcher(g.name());
      if (m.matches()) {
        max = Math.max(max, Integer.parseInt(m.group(1)));
      }
    }
    return name(app, max + 1);
  }

  public static String name(String app, int n) {
    return String.format(Locale.ROOT, "%s-v%03d", app, n);
  }
}
