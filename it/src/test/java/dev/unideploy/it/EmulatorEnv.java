package dev.unideploy.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoints of the local emulators, read from the env file that scripts/emulators.sh writes.
 */
public final class EmulatorEnv {

  /** System property (set by it/pom.xml) that names the env file. */
  public static final String PROPERTY = "unideploy.emulatorEnv";

  private static final String NOT_RUNNING = "emulators not running: run scripts/emulators.sh up";

  private static volatile EmulatorEnv cached;

  private final Path file;
  private final Map<String, String> values;

  EmulatorEnv(Path file, Map<String, String> values) {
    this.file = file;
    this.values = Map.copyOf(values);
  }

  /**
   * The environment of this test run; the file is read once per JVM.
   *
   * @throws IllegalStateException if the property is unset or the file is missing or malformed
   */
  public static EmulatorEnv get() {
    EmulatorEnv env = cached;
    if (env == null) {
      String path = System.getProperty(PROPERTY);
      if (path == null || path.isBlank()) {
        throw new IllegalStateException(
            NOT_RUNNING
                + " (system property "
                + PROPERTY
                + " is not set: run the tests through Maven, or pass -D"
                + PROPERTY
                + "=<repo>/.emulators/env)");
      }
      env = read(Path.of(path));
      cached = env;
    }
    return env;
  }

  /** Parses an env file of KEY=VALUE lines; blank lines and lines starting with # are ignored. */
  static EmulatorEnv read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalStateException(NOT_RUNNING + " (" + file + " does not exist)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the emulator env file " + file, e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalStateException(
            file
                + " line "
                + (i + 1)
                + " is not KEY=VALUE; delete the file and run scripts/emulators.sh up again");
      }
      values.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return new EmulatorEnv(file, values);
  }

  /** A value from the file; fails naming the key and the file when it is absent. */
  public String require(String key) {
    String value = values.get(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(
          file
              + " has no "
              + key
              + ": it was written by an older scripts/emulators.sh; run scripts/emulators.sh up");
    }
    return value;
  }

  /** moto server, for every AWS service (S3, EBS direct, EC2...). */
  public URI motoEndpoint() {
    return URI.create(require("MOTO_ENDPOINT"));
  }

  /** fake-gcs-server root; the JSON API is under /storage/v1, uploads under /upload/storage/v1. */
  public URI gcsEndpoint() {
    return URI.create(require("GCS_ENDPOINT"));
  }

  /** The Compute Engine fake (it/fakes/gce); the REST API is under /compute/v1. */
  public URI gceEndpoint() {
    return URI.create(require("GCE_ENDPOINT"));
  }

  /** Azurite's blob endpoint, including the account path segment (path-style URLs). */
  public URI azuriteBlobEndpoint() {
    return URI.create(require("AZURITE_BLOB_ENDPOINT"));
  }

  /** Azurite's well-known development account name. */
  public String azuriteAccount() {
    return require("AZURITE_ACCOUNT");
  }

  /** Azurite's well-known development account key (base64); public, but still never logged. */
  public String azuriteKey() {
    return require("AZURITE_KEY");
  }

  /** A storage connection string for Azurite's blob endpoint (it holds the key: never log it). */
  public String azuriteConnectionString() {
    return "DefaultEndpointsProtocol=http;AccountName="
        + azuriteAccount()
        + ";AccountKey="
        + azuriteKey()
        + ";BlobEndpoint="
        + azuriteBlobEndpoint()
        + ";";
  }

  public Path qemuImg() {
    return Path.of(require("QEMU_IMG"));
  }

  public Path qemuSystemX86_64() {
    return Path.of(require("QEMU_SYSTEM_X86_64"));
  }

  /** Whether /dev/kvm was usable when the emulators started; tests must also pass under TCG. */
  public boolean kvmUsable() {
    return "yes".equals(values.get("KVM_USABLE"));
  }

  /** The env file this was read from, for error messages. */
  public Path file() {
    return file;
  }
}
