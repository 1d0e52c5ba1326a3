package dev.unideploy.pipeline.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * State in a folder on this machine: {@code journal/<name>.jsonl}, {@code locks/<app>.lock} and
 * {@code work/}. The default, at {@code ~/.unideploy/state}.
 */
public final class LocalStateStore implements StateStore {
  private final Path root;

  public LocalStateStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** {@code ~/.unideploy/state}. */
  public static Path defaultRoot() {
    return Path.of(System.getProperty("user.home"), ".unideploy", "state");
  }

  public Path root() {
    return root;
  }

  @Override
  public Journal journal(String name) {
    return FileJournal.open(root.resolve("journal").resolve(name + ".jsonl"));
  }

  /** The names of the journals in this folder ({@code journal/<name>.jsonl}), sorted. */
  public List<String> journalNames() throws IOException {
    Path dir = root.resolve("journal");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".jsonl") && n.length() > ".jsonl".length())
          .map(n -> n.substring(0, n.length() - ".jsonl".length()))
          .sorted()
          .toList();
    }
  }

  @Override
  public List<JournalEntry> readJournal(String name) {
    return FileJournal.read(root.resolve("journal").resolve(name + ".jsonl"));
  }

  @Override
  public Optional<LockOwner> lockHolder(String app) {
    return DeploymentLock.holder(root, app);
  }

  @Override
  public AppLock lock(String app, LockOwner me, boolean force) {
    return DeploymentLock.acquire(root, app, me, force);
  }

  @Override
  public Path workDir() {
    return root.resolve("work");
  }

  @Override
  public String location() {
    return root.toString();
  }
}
