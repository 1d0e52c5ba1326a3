package dev.unideploy.it.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unideploy.it.EmulatorEnv;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The running ARM fake (started by scripts/emulators.sh): its endpoint, an HTTPS client that trusts
 * its self-signed certificate, a bearer token it issued, and its test-only controls.
 */
public final class ArmFake {
  static final ObjectMapper JSON = new ObjectMapper();

  private final EmulatorEnv env;
  private final URI endpoint;
  private final HttpClient http;
  private volatile String token;

  private ArmFake(EmulatorEnv env) {
    this.env = env;
    this.endpoint = URI.create(env.require("ARM_ENDPOINT"));
    this.http =
        HttpClient.newBuilder()
            .sslContext(trusting(caCert()))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  public static ArmFake get() {
    return new ArmFake(EmulatorEnv.get());
  }

  public EmulatorEnv env() {
    return env;
  }

  public URI endpoint() {
    return endpoint;
  }

  public Path caCert() {
    return Path.of(env.require("ARM_CA_CERT"));
  }

  /**
   * Where the fake keeps image copies and instance disks (scripts/emulators.sh puts it next to its
   * certificate): an instance's QEMU names its folder, {@code vmss/<scale set uniqueId>/<id>}.
   */
  public Path dataDir() {
    return caCert().getParent().resolve("arm-data");
  }

  public String subscription() {
    return env.require("ARM_SUBSCRIPTION");
  }

  public String tenant() {
    return env.require("ARM_TENANT");
  }

  public String location() {
    return env.require("ARM_LOCATION");
  }

  /** A bearer token the fake issued (the fake refuses ARM calls without one). */
  public synchronized String token() {
    if (token == null) {
      token = raw("POST", "/_fake/token", null, null).get("access_token").asText();
    }
    return token;
  }

  /**
   * The environment that signs a child CLI in to the fake as a service principal
   * (EnvironmentCredential, first in DefaultAzureCredential's chain); the config must name the fake
   * as {@code authorityHost} (see {@link AzurePublish#cliYaml}).
   */
  public Map<String, String> cliCredentials() {
    return Map.of(
        "AZURE_TENANT_ID", tenant(),
        "AZURE_CLIENT_ID", "child-cli",
        "AZURE_CLIENT_SECRET", "not-a-secret");
  }

  /** A new resource group with a unique name. */
  public String newResourceGroup(String prefix) {
    String rg = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<String> r =
        send(
            "PUT",
            groupPath(rg) + "?api-version=2021-04-01",
            "{\"location\":\"" + location() + "\"}");
    if (r.statusCode() != 201) {
      throw new IllegalStateException("could not create resource group " + rg + ": " + r.body());
    }
    return rg;
  }

  public String groupPath(String rg) {
    return "/subscriptions/" + subscription() + "/resourceGroups/" + rg;
  }

  /** Arms a fault (see it/fakes/arm/server.py, Faults): status, path regex, count, retryAfter. */
  public void fault(Map<String, Object> spec) {
    raw("POST", "/_fake/faults", spec, null);
  }

  /**
   * Makes the fake take blob URLs on {@code endpoint} (a proxy in front of Azurite, ending in the
   * account's path) as its storage account's, as Azure does a custom domain's.
   */
  public void blobEndpoint(URI endpoint) {
    JsonNode r =
        raw("POST", "/_fake/blob-endpoints", Map.of("endpoint", endpoint.toString()), null);
    if (!r.path("ok").asBoolean()) {
      throw new IllegalStateException("the fake refused blob endpoint " + endpoint + ": " + r);
    }
  }

  public void clearFaults() {
    fault(Map.of("kind", "clear"));
  }

  /** An authenticated ARM request; path may be absolute (a URL the fake returned) or a path. */
  public HttpResponse<String> send(String method, String pathOrUrl, String body) {
    URI uri =
        pathOrUrl.startsWith("https://") ? URI.create(pathOrUrl) : endpoint.resolve(pathOrUrl);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request without authentication (the fake's own control paths). */
  JsonNode raw(String method, String path, Object body, String auth) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(endpoint.resolve(path))
              .timeout(Duration.ofSeconds(30))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      if (auth != null) {
        b.header("Authorization", auth);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls an Azure-AsyncOperation URL until the status is terminal; returns the document. */
  public JsonNode awaitOperation(String url, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode doc = json(send("GET", url, null));
      String status = doc.path("status").asText();
      if (!status.equals("InProgress") || System.nanoTime() > end) {
        return doc;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  public static JsonNode json(HttpResponse<String> r) {
    try {
      return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + r.body(), e);
    }
  }

  static SSLContext trusting(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("arm-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust " + pem, e);
    }
  }
}
