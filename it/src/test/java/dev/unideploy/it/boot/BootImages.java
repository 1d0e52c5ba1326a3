package dev.unideploy.it.boot;

import dev.unideploy.image.DiskImage;
import dev.unideploy.image.TargetFormat;
import dev.unideploy.image.formats.ImageReaders;
import dev.unideploy.image.formats.ImageWriters;
import dev.unideploy.image.write.WriteOptions;
import dev.unideploy.image.write.WriteProgress;
import dev.unideploy.pipeline.qemu.Accelerator;
import dev.unideploy.sample.SampleUnikernel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test images for the boot tests: the sample unikernel, images assembled with nasm from {@code
 * src/test/resources/boot/*.asm}, and conversions of them by qemu-img and by unideploy's writers.
 */
final class BootImages {
  /** Per boot: generous, the other core is busy and TCG is slow (the sample needs ~1 s). */
  static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);

  /** The pm32-hello image's readiness line. */
  static final String PM32_READY = "pm32-hello READY in protected mode";

  private BootImages() {}

  /**
   * The accelerator the boot tests use: TCG unless {@code -Dunideploy.it.accel=kvm} or {@code auto}
   * (null: detect). TCG is what every CI host has, and behaves the same everywhere; nested KVM here
   * boots the sample slower than TCG and turns a triple fault into an internal error.
   */
  static Accelerator accelerator() {
    String a = System.getProperty("unideploy.it.accel", "tcg").trim();
    return a.equalsIgnoreCase("auto")
        ? null
        : Accelerator.valueOf(a.toUpperCase(java.util.Locale.ROOT));
  }

  static Path sample(Path dir) throws IOException {
    return SampleUnikernel.write(dir.resolve("sample.raw"), SampleUnikernel.Options.defaults());
  }

  /**
   * Assembles {@code boot/NAME.asm} with nasm and places the result at the start of a sparse raw
   * disk of {@code sizeMiB}.
   */
  static Path nasm(String name, Path dir, int sizeMiB) throws IOException, InterruptedException {
    Path src = dir.resolve(name + ".asm");
    try (InputStream in = BootImages.class.getResourceAsStream("/boot/" + name + ".asm")) {
      if (in == null) {
        throw new IOException("missing test resource boot/" + name + ".asm");
      }
      Files.copy(in, src);
    }
    Path bin = dir.resolve(name + ".bin");
    run(dir, "nasm", "-f", "bin", "-o", bin.toString(), src.toString());
    byte[] code = Files.readAllBytes(bin);
    Path raw = dir.resolve(name + ".raw");
    try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
      f.setLength((long) sizeMiB << 20);
      f.write(code);
    }
    return raw;
  }

  /** {@code qemu-img convert -O fmt [-o opts] raw out}. */
  static Path qemuImg(Path raw, Path out, String fmt, String opts)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("qemu-img", "convert", "-f", "raw", "-O", fmt));
    if (opts != null && !opts.isEmpty()) {
      cmd.add("-o");
      cmd.add(opts);
    }
    cmd.add(raw.toString());
    cmd.add(out.toString());
    run(raw.getParent(), cmd.toArray(String[]::new));
    return out;
  }

  /** Converts with unideploy's own reader and writer. */
  static Path unideploy(Path raw, Path out, TargetFormat format) throws IOException {
    try (DiskImage image = ImageReaders.open(raw);
        FileChannel ch =
            FileChannel.open(
                out,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
      ImageWriters.writerFor(format).write(image, ch, WriteOptions.defaults(), WriteProgress.NONE);
    }
    return out;
  }

  static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String run(Path dir, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in 120 s");
    }
    String text = out.toString(StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(
          String.join(" ", command) + " exited " + p.exitValue() + ":\n" + text);
    }
    return text;
  }
}
