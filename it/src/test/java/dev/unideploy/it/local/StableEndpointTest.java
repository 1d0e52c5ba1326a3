package dev.unideploy.it.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.QemuProcesses;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.qemu.BootMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provider's stable endpoint, end to end with the HTTP guest under TCG: v1 is deployed,
 * v2 replaces it blue-green while a client sends requests to the endpoint the whole time (none
 * fails), v3 panics and is rolled back by itself (v2 still answers at the same address), {@code
 * unideploy rollback} brings v1 back, and {@code status} and {@code history} tell the story.
 */
class StableEndpointTest {
  @TempDir Path tmp;

  @AfterEach
  void stopAll() throws Exception {
    Cli.run("instances", "stop", "--all", "--home", tmp.resolve("home").toString());
    assertThat(QemuProcesses.mentioning(tmp)).as("QEMU processes left running").isEmpty();
  }

  private Path config() throws IOException {
    Path file = tmp.resolve("unideploy.yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "app: web",
            "health:",
            "  serial: \"^READY unideploy-http-guest\"",
            "  http: /",
            "  timeout: 240s",
            "deploy:",
            "  strategy: blue-green",
            "  instances: 1",
            "  ports: [80]",
            "  keepPrevious: 1",
            "providers:",
            "  local:",
            "    accelerator: tcg",
            "    memory: 256",
            ""));
    return file;
  }

  private String[] args(String command, String... more) throws IOException {
    List<String> a =
        new java.util.ArrayList<>(
            List.of(
                command,
                "--provider",
                "local",
                "--config",
                config().toString(),
                "--home",
                tmp.resolve("home").toString(),
                "--state",
                tmp.resolve("state").toString(),
                "--output",
                "json"));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private Cli.Run deploy(String tag, boolean panic, String version) throws Exception {
    Path image = HttpGuest.image(tag, panic, BootMode.BIOS);
    // A copy in the test's folder, so that QemuProcesses finds the guests this test started.
    Path mine = tmp.resolve(tag + ".img");
    Files.copy(image, mine, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return Cli.run(args("deploy", "--image", mine.toString(), "--version", version, "--no-verify"));
  }

  @Test
  void blueGreenAndRollbackAreSeenFromOneAddress() throws Exception {
    Cli.Run v1 = deploy("v1", false, "1");
    assertThat(v1.code()).as(v1.out()).isZero();
    URI endpoint = URI.create(v1.json().at("/endpoint").asText());
    assertThat(endpoint.getHost()).isEqualTo("127.0.0.1");
    assertThat(get(endpoint)).isEqualTo(HttpGuest.body("v1"));

    // v2, blue-green, while a client keeps asking the endpoint.
    Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread client =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  answers
                      .computeIfAbsent(get(endpoint), k -> new AtomicInteger())
                      .incrementAndGet();
                } catch (IOException e) {
                  failures.add(e.toString());
                }
                try {
                  Thread.sleep(20); // A steady client, not a load test: TCG guests share 2 cores.
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "endpoint-client");
    client.start();
    Cli.Run v2;
    try {
      v2 = deploy("v2", false, "2");
    } finally {
      stop.set(true);
      client.join();
    }
    assertThat(v2.code()).as(v2.out()).isZero();
    JsonNode r2 = v2.json();
    assertThat(r2.at("/endpoint").asText()).isEqualTo(endpoint.toString());
    assertThat(r2.at("/previous").asText()).isEqualTo("web-v001");
    assertThat(failures).as("requests that failed during the switch").isEmpty();
    assertThat(answers.keySet())
        .as("answers during the switch: " + answers)
        .containsExactlyInAnyOrder(HttpGuest.body("v1"), HttpGuest.body("v2"));
    assertThat(get(endpoint)).isEqualTo(HttpGuest.body("v2"));

    // v3 panics at boot: the gate fails, the rollout rolls back by itself, v2 keeps serving.
    Cli.Run v3 = deploy("v3", true, "3");
    assertThat(v3.code()).as(v3.out()).isEqualTo(1);
    JsonNode r3 = v3.json();
    assertThat(r3.at("/outcome").asText()).isEqualTo("rolled-back");
    assertThat(r3.at("/group").asText()).isEqualTo("web-v003");
    assertThat(r3.at("/reason").asText()).isNotBlank();
    assertThat(get(endpoint)).isEqualTo(HttpGuest.body("v2"));

    // An explicit rollback puts the kept v1 back behind the same address.
    Cli.Run back = Cli.run(args("rollback"));
    assertThat(back.code()).as(back.out()).isZero();
    assertThat(back.json().at("/group").asText()).isEqualTo("web-v001");
    assertThat(get(endpoint)).isEqualTo(HttpGuest.body("v1"));

    JsonNode status = Cli.run(args("status")).json();
    assertThat(status.at("/serving").toString()).contains("web-v001").doesNotContain("web-v002");
    assertThat(status.at("/endpoint").asText()).isEqualTo(endpoint.toString());
    assertThat(status.at("/groups").toString()).doesNotContain("web-v003");

    JsonNode history = Cli.run(args("history")).json().at("/rollouts");
    assertThat(history).hasSize(4);
    assertThat(history.at("/0/kind").asText()).isEqualTo("rollback");
    assertThat(history.at("/0/group").asText()).isEqualTo("web-v001");
    assertThat(history.at("/1/version").asText()).isEqualTo("3");
    assertThat(history.at("/1/outcome").asText()).isEqualTo("rolled-back");
    assertThat(history.at("/2/version").asText()).isEqualTo("2");
    assertThat(history.at("/2/outcome").asText()).isEqualTo("deployed");
    assertThat(history.at("/3/version").asText()).isEqualTo("1");
    assertThat(history.at("/3/outcome").asText()).isEqualTo("deployed");
  }

  /**
   * One HTTP/1.0 request on a fresh connection (as many clients open one per request): each goes
   * through the balancer's choice of backend anew. Returns the body without its trailing newline.
   */
  private static String get(URI endpoint) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 5_000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.0\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      if (!response.startsWith("HTTP/1.") || !response.split(" ", 3)[1].equals("200")) {
        throw new IOException("not a 200 answer: " + response.lines().findFirst().orElse(""));
      }
      int body = response.indexOf("\r\n\r\n");
      if (body < 0) {
        throw new IOException("answer without a body: " + response);
      }
      return response.substring(body + 4).strip();
    }
  }
}
