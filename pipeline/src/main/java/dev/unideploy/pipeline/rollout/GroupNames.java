package dev.unideploy.pipeline.rollout;

import dev.unideploy.pipeline.spi.ServerGroup;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server group names: {@code {app}-v{NNN}}, one number higher than any group of the app that exists
 * or that the journal remembers, so that names sort by release and a name is never given to two
 * releases (history and logs stay unambiguous).
 */
public final class GroupNames {
  private GroupNames() {}

  /** The name for the app's next group. */
  public static String next(String app, List<ServerGroup> existing) {
    return next(app, existing, Set.of());
  }

  /** The name for the app's next group, also above every name in {@code used}. */
  public static String next(String app, List<ServerGroup> existing, Collection<String> used) {
    int max = 0;
    Pattern p = Pattern.compile(Pattern.quote(app) + "-v(\\d{1,9})");
    for (ServerGroup g : existing) {
      max = Math.max(max, number(p, g.name()));
    }
    for (String name : used) {
      max = Math.max(max, number(p, name));
    }
    return name(app, max + 1);
  }

  private static int number(Pattern p, String name) {
    Matcher m = p.matcher(name);
    return m.matches() ? Integer.parseInt(m.group(1)) : 0;
  }

  public static String name(String app, int n) {
    return String.format(Locale.ROOT, "%s-v%03d", app, n);
  }
}
