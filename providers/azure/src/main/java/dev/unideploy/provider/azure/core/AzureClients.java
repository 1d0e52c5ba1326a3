package dev.unideploy.provider.azure.core;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoff;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.ComputeManagementClient;
import com.azure.resourcemanager.network.NetworkManager;
import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import dev.unideploy.pipeline.UnideployException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The Azure clients of one run: a credential ({@code DefaultAzureCredential}: environment, workload
 * identity federation as GitHub's OIDC uses it, managed identity, Azure CLI), one HTTP client, and
 * the Compute and Network management clients for the configured subscription. Retries of 429 and
 * 5xx answers (honouring {@code Retry-After}) are the SDK's {@link RetryPolicy}; every call has a
 * response timeout, so a stuck connection is abandoned and retried instead of hanging a run.
 */
public final class AzureClients {
  private final AzureSettings settings;
  private final HttpClient http;
  private final TokenCredential credential;
  private final String subscription;
  private ComputeManager compute;
  private NetworkManager network;

  /** Clients that authenticate with {@code DefaultAzureCredential}. */
  public AzureClients(AzureSettings settings) {
    this(settings, null);
  }

  /**
   * Clients with a given credential (tests), or the default chain when {@code credential} is null.
   */
  public AzureClients(AzureSettings settings, TokenCredential credential) {
    this.settings = settings;
    this.subscription = settings.requireSubscription();
    this.http = httpClient(settings);
    this.credential = credential != null ? credential : defaultCredential(settings, http);
  }

  public AzureSettings settings() {
    return settings;
  }

  public String subscription() {
    return subscription;
  }

  public HttpClient http() {
    return http;
  }

  public TokenCredential credential() {
    return credential;
  }

  /** The Compute management client (disks, galleries, images, scale sets). */
  public synchronized ComputeManagementClient compute() {
    if (compute == null) {
      compute =
          ComputeManager.configure()
              .withHttpClient(http)
              .withRetryPolicy(retry())
              .authenticate(credential, profile());
    }
    return compute.serviceClient();
  }

  /** The Network management client (load balancers, scale-set NICs). */
  public synchronized NetworkManagementClient network() {
    if (network == null) {
      network =
          NetworkManager.configure()
              .withHttpClient(http)
              .withRetryPolicy(retry())
              .authenticate(credential, profile());
    }
    return network.serviceClient();
  }

  private RetryPolicy retry() {
    // maxRetries counts retries after the first attempt; RetryPolicy waits what Retry-After says.
    return new RetryPolicy(
        new ExponentialBackoff(
            settings.retry().maxAttempts() - 1, Duration.ofMillis(500), Duration.ofSeconds(30)));
  }

  private AzureProfile profile() {
    Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
    AzureSettings.Endpoints e = settings.endpoints();
    if (e.resourceManager() != null) {
      endpoints.put("resourceManagerEndpointUrl", withSlash(e.resourceManager().toString()));
    }
    if (e.authorityHost() != null) {
      endpoints.put("activeDirectoryEndpointUrl", withSlash(e.authorityHost().toString()));
    }
    return new AzureProfile(settings.tenant(), subscription, new AzureEnvironment(endpoints));
  }

  private static String withSlash(String s) {
    return s.endsWith("/") ? s : s + "/";
  }

  private static TokenCredential defaultCredential(AzureSettings settings, HttpClient http) {
    DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http);
    if (settings.tenant() != null) {
      b.tenantId(settings.tenant());
    }
    URI authority = settings.endpoints().authorityHost();
    if (authority != null) {
      // A private authority (Azure Stack, the local fake) has no entry in Entra ID's instance
      // discovery, which would otherwise refuse it.
      b.authorityHost(authority.toString()).disableInstanceDiscovery();
    }
    return b.build();
  }

  private static HttpClient httpClient(AzureSettings settings) {
    Duration timeout = settings.retry().callTimeout();
    reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create();
    Path ca = settings.endpoints().caCertificate();
    if (ca != null) {
      SslContext ssl = sslTrusting(ca);
      netty = netty.secure(spec -> spec.sslContext(ssl));
    }
    return new NettyAsyncHttpClientBuilder(netty)
        .responseTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .build();
  }

  /** TLS that trusts the JDK's CAs plus the certificate in {@code pem}. */
  static SslContext sslTrusting(Path pem) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      TrustManagerFactory defaults =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      defaults.init((KeyStore) null);
      int n = 0;
      for (var tm : defaults.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            store.setCertificateEntry("default-" + n++, c);
          }
        }
      }
      try (InputStream in = Files.newInputStream(pem)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("extra-" + n++, c);
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      return SslContextBuilder.forClient().trustManager(tmf).build();
    } catch (IOException | GeneralSecurityException e) {
      throw new UnideployException(
          "could not read providers.azure.endpoints.caCertificate "
              + pem
              + ": "
              + e.getMessage()
              + "; give a PEM file with one or more certificates",
          e);
    }
  }
}
