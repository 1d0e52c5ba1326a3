package dev.unideploy.it.guest;

import dev.unideploy.pipeline.qemu.BootMode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The HTTP test guest of {@code scripts/build-http-guest.sh}: Debian's cloud kernel with a busybox
 * initramfs that gets an address by DHCP and answers {@code GET /} on port 80 with {@code
 * unideploy-http-guest TAG}. Built on first use; the script caches images by content, so later runs
 * and other tests reuse them (a cached image takes ~0.1 s, a new variant a few seconds, the first
 * build with downloads ~10 s).
 */
public final class HttpGuest {
  /** A cold build downloads ~27 MB of Debian packages; generous for a slow mirror. */
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);

  private static final Map<String, Path> BUILT = new HashMap<>();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpGuest() {}

  /**
   * The raw disk image of one variant.
   *
   * @param tag release tag baked into the image (letters, digits, {@code . _ -})
   * @param panic the guest's init exits after boot, so the kernel panics instead of serving
   * @param firmware BIOS (MBR, SYSLINUX) or UEFI (GPT, EFI system partition, systemd-boot)
   */
  public static synchronized Path image(String tag, boolean panic, BootMode firmware)
      throws IOException, InterruptedException {
    String key = tag + "/" + panic + "/" + firmware;
    Path cached = BUILT.get(key);
    if (cached != null && Files.isRegularFile(cached)) {
      return cached;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(script().toString());
    cmd.addAll(List.of("--tag", tag, "--firmware", firmware.name().toLowerCase(Locale.ROOT)));
    if (panic) {
      cmd.add("--panic");
    }
    Path out = Files.createTempFile("http-guest-", ".out");
    Path err = Files.createTempFile("http-guest-", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!p.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            String.join(" ", cmd) + " did not finish in " + BUILD_TIMEOUT.toMinutes() + " min");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0 || stdout.isEmpty()) {
        throw new IOException(
            String.join(" ", cmd)
                + " failed with exit code "
                + p.exitValue()
                + ":\n"
                + Files.readString(err, StandardCharsets.UTF_8));
      }
      Path image = Path.of(stdout.substring(stdout.lastIndexOf('\n') + 1));
      BUILT.put(key, image);
      return image;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * {@code deploy --provider PROVIDER} of the BIOS variant tagged {@code tag}, printing the result
   * as JSON; verification is skipped, since the fakes the rollout tests deploy to boot it anyway.
   */
  public static List<String> deployArgs(
      String provider, String tag, boolean panic, Path config, Path state)
      throws IOException, InterruptedException {
    return List.of(
        "deploy",
        "--provider",
        provider,
        "--image",
        image(tag, panic, BootMode.BIOS).toString(),
        "--config",
        config.toString(),
        "--no-verify",
        "--state",
        state.toString(),
        "--output",
        "json");
  }

  /** What the guest at {@code host} answers to {@code GET /} on port 80, trimmed. */
  public static String answer(String host) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://" + host + "/"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body()
        .strip();
  }

  public static String body(String tag) {
    return "unideploy-http-guest " + tag;
  }

  /** Matches the console line the guest prints once httpd listens. */
  public static String readyRegex(String tag) {
    return "^READY unideploy-http-guest " + Pattern.quote(tag) + "\\b";
  }

  private static Path script() {
    String root = System.getProperty("unideploy.repoRoot");
    Path dir = root != null ? Path.of(root) : Path.of("").toAbsolutePath();
    // Run from it/ by an IDE without the Maven property: look upwards for the repository root.
    for (Path d = dir; d != null; d = d.getParent()) {
      Path s = d.resolve("scripts/build-http-guest.sh");
      if (Files.isRegularFile(s)) {
        return s;
      }
    }
    throw new IllegalStateException(
        "scripts/build-http-guest.sh not found above "
            + dir
            + ": run the tests from the repository (mvn sets -Dunideploy.repoRoot)");
  }
}
