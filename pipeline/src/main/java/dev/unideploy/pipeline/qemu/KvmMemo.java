package dev.unideploy.pipeline.qemu;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.pipeline.state.StateFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What this machine learned about KVM and a disk: when KVM stopped a guest with an internal error
 * (seen with nested KVM: "emulation failure"), boot verification retries under TCG and records it
 * here, so that instances of the same disk start under TCG at once instead of failing the same way.
 * Disks are known by a fingerprint of their size and first and last MiB, which is the same for the
 * user's raw file, verification's raw copy and the local store's blob.
 */
public final class KvmMemo {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int EDGE = 1 << 20;

  private final Path file;

  public KvmMemo(Path file) {
    this.file = file;
  }

  /** The memo of this user: {@code ~/.unideploy/qemu/kvm-failures.json}. */
  public static KvmMemo forUser() {
    return new KvmMemo(
        Path.of(System.getProperty("user.home"), ".unideploy", "qemu", "kvm-failures.json"));
  }

  /** Why KVM failed for this raw disk before, if it did. */
  public Optional<String> failure(Path rawDisk) {
    try {
      return Optional.ofNullable(read().get(fingerprint(rawDisk)));
    } catch (IOException e) {
      return Optional.empty(); // No memo (or no disk): nothing learned.
    }
  }

  /** Records that KVM could not run this raw disk, with QEMU's words for it. */
  public void recordFailure(Path rawDisk, String why) {
    try {
      String key = fingerprint(rawDisk);
      StateFiles.createPrivateDirectories(file.getParent());
      try (FileChannel ch =
              FileChannel.open(
                  file.resolveSibling(file.getFileName() + ".lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        Map<String, String> all = new LinkedHashMap<>(read());
        all.put(key, why.length() > 300 ? why.substring(0, 300) : why);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(all));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // A memo that cannot be written only costs the next instance a failed KVM start.
    }
  }

  private Map<String, String> read() throws IOException {
    if (!Files.isRegularFile(file)) {
      return Map.of();
    }
    return JSON.readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
  }

  static String fingerprint(Path rawDisk) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (RandomAccessFile f = new RandomAccessFile(rawDisk.toFile(), "r")) {
      long size = f.length();
      sha.update(Long.toString(size).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] buf = new byte[(int) Math.min(EDGE, size)];
      f.readFully(buf);
      sha.update(buf);
      if (size > EDGE) {
        f.seek(Math.max(EDGE, size - EDGE));
        byte[] tail = new byte[(int) (size - Math.max(EDGE, size - EDGE))];
        f.readFully(tail);
        sha.update(tail);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
