package dev.unideploy.provider.gcp.api;

import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.core.ApiFunction;
import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ClientSettings;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.auth.Credentials;
import com.google.auth.http.HttpCredentialsAdapter;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.compute.v1.BackendServicesClient;
import com.google.cloud.compute.v1.BackendServicesSettings;
import com.google.cloud.compute.v1.GlobalOperationsClient;
import com.google.cloud.compute.v1.GlobalOperationsSettings;
import com.google.cloud.compute.v1.ImagesClient;
import com.google.cloud.compute.v1.ImagesSettings;
import com.google.cloud.compute.v1.InstanceGroupManagersClient;
import com.google.cloud.compute.v1.InstanceGroupManagersSettings;
import com.google.cloud.compute.v1.InstanceTemplatesClient;
import com.google.cloud.compute.v1.InstanceTemplatesSettings;
import com.google.cloud.compute.v1.InstancesClient;
import com.google.cloud.compute.v1.InstancesSettings;
import com.google.cloud.compute.v1.RegionBackendServicesClient;
import com.google.cloud.compute.v1.RegionBackendServicesSettings;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersClient;
import com.google.cloud.compute.v1.RegionInstanceGroupManagersSettings;
import com.google.cloud.compute.v1.RegionOperationsClient;
import com.google.cloud.compute.v1.RegionOperationsSettings;
import com.google.cloud.compute.v1.ZoneOperationsClient;
import com.google.cloud.compute.v1.ZoneOperationsSettings;
import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.resilience.CallPolicy;
import dev.unideploy.provider.gcp.config.GcpSettings;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Google Cloud clients of one run, built on first use and closed together: Compute Engine
 * (REST), and the authenticated HTTP requests of Cloud Storage (the resumable upload, object
 * reads). Credentials are Application Default Credentials, or none for emulators; the project comes
 * from the config or from ADC; endpoints can point at emulators.
 *
 * <p>The clients' own retries are off: every call goes through the run's {@link CallPolicy}, so
 * attempts do not multiply, and each attempt has a deadline ({@code timeouts.apiCall}).
 */
public final class GcpClients implements AutoCloseable {
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  private static final URI STORAGE = URI.create("https://storage.googleapis.com");

  private final GcpSettings settings;
  private final CallPolicy policy;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private Credentials credentials;
  private String project;
  private ImagesClient images;
  private GlobalOperationsClient globalOperations;
  private ZoneOperationsClient zoneOperations;
  private RegionOperationsClient regionOperations;
  private InstanceTemplatesClient instanceTemplates;
  private InstanceGroupManagersClient instanceGroupManagers;
  private RegionInstanceGroupManagersClient regionInstanceGroupManagers;
  private InstancesClient instances;
  private BackendServicesClient backendServices;
  private RegionBackendServicesClient regionBackendServices;

  public GcpClients(GcpSettings settings) {
    this.settings = settings;
    this.policy = GcpRetryable.policy(settings.retry().policySettings());
  }

  public GcpSettings settings() {
    return settings;
  }

  public CallPolicy policy() {
    return policy;
  }

  public GcpCall calls() {
    return new GcpCall(policy);
  }

  /** The project: {@code providers.gcp.project}, else the one ADC knows, else a clear error. */
  public synchronized String project() {
    if (project == null) {
      project =
          settings.project() != null ? settings.project() : ServiceOptions.getDefaultProjectId();
      if (project == null) {
        throw new UnideployException(
            "no Google Cloud project: set providers.gcp.project in unideploy.yaml, or"
                + " GOOGLE_CLOUD_PROJECT, or `gcloud config set project ID`");
      }
    }
    return project;
  }

  /** The credentials: ADC (scoped to cloud-platform) or, with {@code credentials: none}, none. */
  public synchronized Credentials credentials() {
    if (credentials == null) {
      credentials =
          GcpSettings.NONE.equals(settings.credentials())
              ? NoCredentials.getInstance()
              : applicationDefaultCredentials();
    }
    return credentials;
  }

  /** Application Default Credentials, scoped to cloud-platform, or a clear error. */
  public static GoogleCredentials applicationDefaultCredentials() {
    try {
      GoogleCredentials adc = GoogleCredentials.getApplicationDefault();
      return adc.createScopedRequired() ? adc.createScoped(List.of(SCOPE)) : adc;
    } catch (IOException e) {
      throw new UnideployException(
          "no Google credentials found ("
              + e.getMessage()
              + "): run `gcloud auth application-default login`, set"
              + " GOOGLE_APPLICATION_CREDENTIALS to a key file, or run where a metadata server"
              + " or workload identity federation provides them",
          e);
    }
  }

  private CredentialsProvider credentialsProvider() {
    Credentials c = credentials();
    return c instanceof NoCredentials
        ? NoCredentialsProvider.create()
        : FixedCredentialsProvider.create(c);
  }

  public synchronized ImagesClient images() {
    if (images == null) {
      ImagesSettings.Builder b = ImagesSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      images = open(() -> ImagesClient.create(b.build()));
    }
    return images;
  }

  public synchronized GlobalOperationsClient globalOperations() {
    if (globalOperations == null) {
      GlobalOperationsSettings.Builder b =
          GlobalOperationsSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      globalOperations = open(() -> GlobalOperationsClient.create(b.build()));
    }
    return globalOperations;
  }

  public synchronized ZoneOperationsClient zoneOperations() {
    if (zoneOperations == null) {
      ZoneOperationsSettings.Builder b =
          ZoneOperationsSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      zoneOperations = open(() -> ZoneOperationsClient.create(b.build()));
    }
    return zoneOperations;
  }

  public synchronized RegionOperationsClient regionOperations() {
    if (regionOperations == null) {
      RegionOperationsSettings.Builder b =
          RegionOperationsSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      regionOperations = open(() -> RegionOperationsClient.create(b.build()));
    }
    return regionOperations;
  }

  public synchronized InstanceTemplatesClient instanceTemplates() {
    if (instanceTemplates == null) {
      InstanceTemplatesSettings.Builder b =
          InstanceTemplatesSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      instanceTemplates = open(() -> InstanceTemplatesClient.create(b.build()));
    }
    return instanceTemplates;
  }

  public synchronized InstanceGroupManagersClient instanceGroupManagers() {
    if (instanceGroupManagers == null) {
      InstanceGroupManagersSettings.Builder b =
          InstanceGroupManagersSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      instanceGroupManagers = open(() -> InstanceGroupManagersClient.create(b.build()));
    }
    return instanceGroupManagers;
  }

  public synchronized RegionInstanceGroupManagersClient regionInstanceGroupManagers() {
    if (regionInstanceGroupManagers == null) {
      RegionInstanceGroupManagersSettings.Builder b =
          RegionInstanceGroupManagersSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      regionInstanceGroupManagers = open(() -> RegionInstanceGroupManagersClient.create(b.build()));
    }
    return regionInstanceGroupManagers;
  }

  public synchronized InstancesClient instances() {
    if (instances == null) {
      InstancesSettings.Builder b =
          InstancesSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      instances = open(() -> InstancesClient.create(b.build()));
    }
    return instances;
  }

  public synchronized BackendServicesClient backendServices() {
    if (backendServices == null) {
      BackendServicesSettings.Builder b =
          BackendServicesSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      backendServices = open(() -> BackendServicesClient.create(b.build()));
    }
    return backendServices;
  }

  public synchronized RegionBackendServicesClient regionBackendServices() {
    if (regionBackendServices == null) {
      RegionBackendServicesSettings.Builder b =
          RegionBackendServicesSettings.newBuilder().applyToAllUnaryMethods(oneAttempt());
      configure(b);
      regionBackendServices = open(() -> RegionBackendServicesClient.create(b.build()));
    }
    return regionBackendServices;
  }

  /** The root URL uploads go to. */
  public URI storageRoot() {
    return settings.endpoints().storage() != null ? settings.endpoints().storage() : STORAGE;
  }

  /** Authenticated requests for the resumable upload, with the chunk deadline as read timeout. */
  public HttpRequestFactory uploadRequests() {
    Credentials c = credentials();
    HttpCredentialsAdapter auth = c instanceof NoCredentials ? null : new HttpCredentialsAdapter(c);
    int readTimeout = (int) Math.min(Integer.MAX_VALUE, settings.timeouts().chunk().toMillis());
    return new NetHttpTransport()
        .createRequestFactory(
            request -> {
              if (auth != null) {
                auth.initialize(request);
              }
              request.setConnectTimeout(30_000);
              request.setReadTimeout(readTimeout);
              request.setNumberOfRetries(0);
            });
  }

  /** The endpoint and credentials every Compute client gets. */
  void configure(ClientSettings.Builder<?, ?> b) {
    if (settings.endpoints().compute() != null) {
      // The scheme decides the transport: a bare host:port would mean HTTPS.
      b.setEndpoint(trimSlash(settings.endpoints().compute().toString()));
    }
    b.setCredentialsProvider(credentialsProvider());
  }

  /** One attempt per call, bounded by {@code timeouts.apiCall}: the call policy retries. */
  ApiFunction<UnaryCallSettings.Builder<?, ?>, Void> oneAttempt() {
    Duration timeout = settings.timeouts().apiCall();
    RetrySettings once =
        RetrySettings.newBuilder()
            .setMaxAttempts(1)
            .setTotalTimeoutDuration(timeout)
            .setInitialRpcTimeoutDuration(timeout)
            .setMaxRpcTimeoutDuration(timeout)
            .setRpcTimeoutMultiplier(1.0)
            .build();
    return m -> {
      m.setRetryableCodes();
      m.setRetrySettings(once);
      return null;
    };
  }

  /** Builds a client; the factory's IOException becomes a clear error. */
  <T extends AutoCloseable> T open(IoSupplier<T> factory) {
    try {
      T client = factory.get();
      opened.add(client);
      return client;
    } catch (IOException e) {
      throw new UnideployException(
          "could not create the Compute Engine client: " + e.getMessage(), e);
    }
  }

  /** A factory that may fail with an IOException, as the Google client factories do. */
  @FunctionalInterface
  public interface IoSupplier<T> {
    T get() throws IOException;
  }

  private static String trimSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public synchronized void close() {
    for (AutoCloseable c : opened) {
      try {
        c.close();
      } catch (Exception e) {
        // closing is best effort: a client that fails to close holds no state we need
      }
    }
    opened.clear();
  }
}
