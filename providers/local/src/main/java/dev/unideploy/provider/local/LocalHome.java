package dev.unideploy.provider.local;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the local provider keeps things: the image store, and instance state and logs. Resolved
 * once from the config ({@code providers.local.home} / {@code .store}), then the {@value #ENV}
 * environment variable (tests point it at a temp folder), then {@code ~/.unideploy/local}.
 */
public record LocalHome(Path home, Path store) {

  /** Environment variable that moves the whole local home. */
  public static final String ENV = "UNIDEPLOY_LOCAL_HOME";

  public LocalHome {
    home = home.toAbsolutePath().normalize();
    store = store.toAbsolutePath().normalize();
  }

  /** A home with the store at its default place inside it. */
  public static LocalHome at(Path home) {
    return new LocalHome(home, home.resolve("images"));
  }

  public static LocalHome resolve(LocalSettings settings) {
    return resolve(settings, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  static LocalHome resolve(LocalSettings settings, Map<String, String> env, Path userHome) {
    Path home;
    if (settings.home() != null && !settings.home().isBlank()) {
      home = expand(settings.home(), userHome);
    } else if (env.get(ENV) != null && !env.get(ENV).isBlank()) {
      home = expand(env.get(ENV), userHome);
    } else {
      home = userHome.resolve(".unideploy").resolve("local");
    }
    Path store =
        settings.store() != null && !settings.store().isBlank()
            ? expand(settings.store(), userHome)
            : home.resolve("images");
    return new LocalHome(home, store);
  }

  /** {@code ~/x} means the user's home, as a shell would read it in a config file. */
  private static Path expand(String path, Path userHome) {
    if (path.equals("~")) {
      return userHome;
    }
    if (path.startsWith("~/")) {
      return userHome.resolve(path.substring(2));
    }
    return Path.of(path);
  }

  /** Instance and server group records. */
  public Path instancesDir() {
    return home.resolve("instances");
  }

  /** Serial console and QEMU logs, one folder per server group. */
  public Path logsDir() {
    return home.resolve("logs");
  }
}
