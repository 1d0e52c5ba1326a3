package dev.unideploy.pipeline.state;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.DeployConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/** Resolves the {@code state:} setting to a store: a local folder, or a remote URL. */
public final class StateStores {
  private StateStores() {}

  /** The store {@code config.state()} names; the local default when it names none. */
  public static StateStore open(DeployConfig config) {
    String location = config.state();
    if (location == null || location.isBlank()) {
      return new LocalStateStore(LocalStateStore.defaultRoot());
    }
    int colon = location.indexOf("://");
    if (colon < 0) {
      return new LocalStateStore(expandHome(location));
    }
    String scheme = location.substring(0, colon).toLowerCase(Locale.ROOT);
    if (scheme.equals("file")) {
      return new LocalStateStore(Path.of(URI.create(location)));
    }
    List<String> known = new ArrayList<>();
    for (StateStoreFactory f : ServiceLoader.load(StateStoreFactory.class)) {
      if (f.scheme().equals(scheme)) {
        return f.open(URI.create(location), config);
      }
      known.add(f.scheme() + "://");
    }
    throw new UnideployException(
        "state location '"
            + location
            + "' uses an unknown scheme: use a folder"
            + (known.isEmpty() ? "" : " or one of " + String.join(", ", known)));
  }

  private static Path expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return Path.of(System.getProperty("user.home") + path.substring(1));
    }
    return Path.of(path);
  }
}
