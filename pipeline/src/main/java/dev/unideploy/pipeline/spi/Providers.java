package dev.unideploy.pipeline.spi;

import dev.unideploy.pipeline.UnideployException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds providers on the class path by name, through {@link ServiceLoader}. */
public final class Providers {
  private Providers() {}

  /** Every provider on the class path, in ServiceLoader order. */
  public static List<Provider> all() {
    List<Provider> list = new ArrayList<>();
    ServiceLoader.load(Provider.class).forEach(list::add);
    return list;
  }

  /** The provider called {@code name}, or an error that lists the ones there are. */
  public static Provider named(String name) {
    List<String> names = new ArrayList<>();
    for (Provider p : all()) {
      if (p.name().equalsIgnoreCase(name)) {
        return p;
      }
      names.add(p.name());
    }
    throw new UnideployException(
        "unknown provider '" + name + "': use one of " + String.join(", ", names));
  }
}
