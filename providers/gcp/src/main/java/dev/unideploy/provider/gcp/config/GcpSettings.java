package dev.unideploy.provider.gcp.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.config.RetrySettings;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code providers.gcp} section of {@code unideploy.yaml}: which project and staging bucket,
 * how to authenticate, how the image is shaped and shared, how the tarball is uploaded, the time
 * budgets of calls and waits, and what a release's instance group is made of ({@code fleet}). Bound
 * once, strictly; every check fails naming the key and what to write instead.
 */
public record GcpSettings(
    @JsonProperty("project") String project,
    @JsonProperty("bucket") String bucket,
    @JsonProperty("objectPrefix") String objectPrefix,
    @JsonProperty("keepObject") Boolean keepObject,
    @JsonProperty("credentials") String credentials,
    @JsonProperty("endpoints") Endpoints endpoints,
    @JsonProperty("image") GcpImageSettings image,
    @JsonProperty("share") GcpShareSettings share,
    @JsonProperty("upload") GcpUploadSettings upload,
    @JsonProperty("timeouts") Timeouts timeouts,
    @JsonProperty("retry") RetrySettings retry,
    @JsonProperty("fleet") GcpFleetSettings fleet) {

  /** Application Default Credentials: gcloud, a key file, the metadata server, federation. */
  public static final String ADC = "adc";

  /** No credentials at all: only for emulators and fakes, which accept anonymous calls. */
  public static final String NONE = "none";

  // https://cloud.google.com/resource-manager/docs/creating-managing-projects: 6-30 characters.
  private static final Pattern PROJECT = Pattern.compile("[a-z][-a-z0-9]{4,28}[a-z0-9]");
  // https://cloud.google.com/storage/docs/buckets#naming (dots allowed, 3-222 characters).
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][-a-z0-9_.]{1,220}[a-z0-9]");

  @JsonCreator
  public GcpSettings {
    if (project != null && !PROJECT.matcher(project).matches()) {
      throw new IllegalArgumentException(
          "project: '"
              + project
              + "' is not a project id; write the id (6-30 lowercase letters, digits and"
              + " hyphens), not the display name or number");
    }
    if (bucket != null && !BUCKET.matcher(bucket).matches()) {
      throw new IllegalArgumentException(
          "bucket: '"
              + bucket
              + "' is not a Cloud Storage bucket name; write the name only, no gs://");
    }
    objectPrefix = objectPrefix == null ? "unideploy/" : objectPrefix;
    if (objectPrefix.startsWith("/")
        || objectPrefix.contains("\n")
        || objectPrefix.length() > 512) {
      throw new IllegalArgumentException(
          "objectPrefix: '" + objectPrefix + "' must not start with / (write it like unideploy/)");
    }
    keepObject = keepObject != null && keepObject;
    credentials = credentials == null ? ADC : credentials.strip().toLowerCase(Locale.ROOT);
    if (!credentials.equals(ADC) && !credentials.equals(NONE)) {
      throw new IllegalArgumentException(
          "credentials: '"
              + credentials
              + "' is not known; write adc (Application Default Credentials, the default) or"
              + " none (emulators only)");
    }
    endpoints = endpoints == null ? Endpoints.defaults() : endpoints;
    image = image == null ? GcpImageSettings.defaults() : image;
    share = share == null ? GcpShareSettings.none() : share;
    upload = upload == null ? GcpUploadSettings.defaults() : upload;
    timeouts = timeouts == null ? Timeouts.defaults() : timeouts;
    retry = retry == null ? RetrySettings.defaults() : retry;
    fleet = fleet == null ? GcpFleetSettings.defaults() : fleet;
  }

  public static GcpSettings defaults() {
    return new GcpSettings(null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Where the Compute Engine and Cloud Storage clients send their calls; Google's by default. */
  public record Endpoints(
      @JsonProperty("compute") URI compute, @JsonProperty("storage") URI storage) {
    @JsonCreator
    public Endpoints {
      check(compute, "endpoints.compute");
      check(storage, "endpoints.storage");
    }

    public static Endpoints defaults() {
      return new Endpoints(null, null);
    }

    private static void check(URI uri, String key) {
      if (uri != null
          && (uri.getScheme() == null
              || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
              || uri.getHost() == null)) {
        // A URL without a scheme makes the Compute client use HTTPS, which hangs against a plain
        // HTTP emulator: insist on the scheme.
        throw new IllegalArgumentException(
            key + ": '" + uri + "' must be an http:// or https:// URL with a host");
      }
    }
  }

  /** Per-call limits and the deadlines of the long waits. */
  public record Timeouts(
      @JsonProperty("apiCall") Duration apiCall,
      @JsonProperty("chunk") Duration chunk,
      @JsonProperty("imageImport") Duration imageImport,
      @JsonProperty("operation") Duration operation,
      @JsonProperty("pollInterval") Duration pollInterval) {
    @JsonCreator
    public Timeouts {
      apiCall = positive(apiCall, Duration.ofMinutes(2), "timeouts.apiCall");
      chunk = positive(chunk, Duration.ofMinutes(5), "timeouts.chunk");
      // Imports of small images take one to a few minutes; Google gives no bound.
      imageImport = positive(imageImport, Duration.ofMinutes(30), "timeouts.imageImport");
      operation = positive(operation, Duration.ofMinutes(10), "timeouts.operation");
      pollInterval = positive(pollInterval, Duration.ofSeconds(2), "timeouts.pollInterval");
    }

    public static Timeouts defaults() {
      return new Timeouts(null, null, null, null, null);
    }
  }

  static Duration positive(Duration d, Duration fallback, String key) {
    if (d == null) {
      return fallback;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, was " + d);
    }
    return d;
  }
}
