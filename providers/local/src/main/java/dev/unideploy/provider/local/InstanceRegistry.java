package dev.unideploy.provider.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The persisted server groups and instances of the local provider: one JSON file per group under
 * {@code <home>/instances}. State lives only on disk, so a new unideploy process (or a new {@link
 * LocalFleet}) sees exactly what an earlier one started.
 */
public final class InstanceRegistry {
  private final Path dir;
  private final FileMutex mutex;

  public InstanceRegistry(LocalHome home) {
    this.dir = home.instancesDir();
    this.mutex = new FileMutex(dir.resolve(".lock"));
  }

  private Path file(String group) {
    return dir.resolve(group + ".json");
  }

  /** Every group, or one app's, oldest first. */
  public List<GroupRecord> groups(String app) {
    List<GroupRecord> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        GroupRecord g = JsonFiles.read(f, GroupRecord.class);
        if (app == null || g.app().equals(app)) {
          out.add(g);
        }
      }
    } catch (IOException e) {
      throw FileMutex.ioFailure("list instance records in", dir, e);
    }
    out.sort(Comparator.comparing(GroupRecord::createdAt).thenComparing(GroupRecord::name));
    return out;
  }

  public Optional<GroupRecord> group(String name) {
    Path f = file(name);
    return Files.isRegularFile(f)
        ? Optional.of(JsonFiles.read(f, GroupRecord.class))
        : Optional.empty();
  }

  /** The group holding the instance called {@code instance}. */
  public Optional<GroupRecord> groupOfInstance(String instance) {
    return groups(null).stream()
        .filter(g -> g.instances().stream().anyMatch(i -> i.name().equals(instance)))
        .findFirst();
  }

  public void save(GroupRecord group) {
    mutex.locked(() -> JsonFiles.write(file(group.name()), group));
  }

  /** Re-reads the group, applies {@code change} and saves it, all under the lock. */
  public GroupRecord update(String name, UnaryOperator<GroupRecord> change) {
    return mutex.locked(
        () -> {
          GroupRecord g =
              group(name)
                  .orElseThrow(
                      () ->
                          new dev.unideploy.pipeline.UnideployException(
                              "server group "
                                  + name
                                  + " has no record under "
                                  + dir
                                  + " (already destroyed?)"));
          GroupRecord changed = change.apply(g);
          JsonFiles.write(file(name), changed);
          return changed;
        });
  }

  public void delete(String name) {
    mutex.locked(
        () -> {
          try {
            Files.deleteIfExists(file(name));
          } catch (IOException e) {
            throw FileMutex.ioFailure("delete", file(name), e);
          }
        });
  }

  /** Host ports recorded by active instances: not to be handed out again. */
  public Set<Integer> portsInUse() {
    Set<Integer> ports = new HashSet<>();
    for (GroupRecord g : groups(null)) {
      for (InstanceRecord i : g.activeInstances()) {
        i.ports().forEach(p -> ports.add(p.host()));
      }
    }
    return ports;
  }

  public <T> T locked(java.util.function.Supplier<T> body) {
    return mutex.locked(body);
  }
}
