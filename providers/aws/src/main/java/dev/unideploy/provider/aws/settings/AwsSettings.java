package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.unideploy.provider.aws.call.AwsRetryable;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code providers.aws} section of {@code unideploy.yaml}: where to publish (home region and
 * copy regions), how to authenticate, how the AMI is shaped and shared, and the time budgets of
 * calls and waits. Bound strictly by {@link dev.unideploy.pipeline.config.DeployConfig}; every
 * check here fails with the key and what to write instead.
 */
public record AwsSettings(
    @JsonProperty("region") String region,
    @JsonProperty("copyTo") List<String> copyTo,
    @JsonProperty("endpoint") URI endpoint,
    @JsonProperty("allowInsecureEndpoint") Boolean allowInsecureEndpoint,
    @JsonProperty("credentials") AwsCredentialSettings credentials,
    @JsonProperty("upload") UploadSettings upload,
    @JsonProperty("image") AmiSettings image,
    @JsonProperty("share") ShareSettings share,
    @JsonProperty("latestParameter") String latestParameter,
    @JsonProperty("deprecateAfter") Duration deprecateAfter,
    @JsonProperty("copyParallelism") Integer copyParallelism,
    @JsonProperty("timeouts") Timeouts timeouts,
    @JsonProperty("waits") Waits waits,
    @JsonProperty("retry") Retry retry,
    @JsonProperty("fleet")
        @JsonPropertyDescription(
            "What `deploy --provider aws` makes per release: launch template version and Auto"
                + " Scaling group behind these target groups (docs/aws.md, Deploy).")
        FleetSettings fleet) {

  /** The SSM parameter name used when {@code latestParameter: true}. */
  public static final String DEFAULT_LATEST_PARAMETER = "/unideploy/{app}/latest";

  static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
  private static final Pattern PARAMETER = Pattern.compile("/?[A-Za-z0-9_.\\-/{}]{1,1011}");

  @JsonCreator
  public AwsSettings {
    if (region != null) {
      checkRegion(region, "region");
    }
    LinkedHashSet<String> copies = new LinkedHashSet<>();
    for (String r : copyTo == null ? List.<String>of() : copyTo) {
      checkRegion(r, "copyTo");
      if (!r.equals(region)) {
        copies.add(r);
      }
    }
    copyTo = List.copyOf(copies);
    if (endpoint != null
        && (endpoint.getScheme() == null
            || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
      throw new IllegalArgumentException(
          "endpoint '" + endpoint + "' must be an http:// or https:// URL");
    }
    allowInsecureEndpoint = allowInsecureEndpoint != null && allowInsecureEndpoint;
    if (endpoint != null
        && endpoint.getScheme().equals("http")
        && !allowInsecureEndpoint
        && !loopback(endpoint.getHost())) {
      // Over plain HTTP the disk, the signed requests and any session token cross the network in
      // clear: fine for an emulator on this machine, not for anything else by accident.
      throw new IllegalArgumentException(
          "endpoint '"
              + endpoint
              + "' is plain http:// on a host that is not this machine: use https://, or set"
              + " allowInsecureEndpoint: true if you accept sending data and signed requests in"
              + " clear");
    }
    credentials = credentials == null ? AwsCredentialSettings.defaults() : credentials;
    for (String r : credentials.regions().keySet()) {
      checkRegion(r, "credentials.regions");
    }
    upload = upload == null ? UploadSettings.defaults() : upload;
    image = image == null ? AmiSettings.defaults() : image;
    share = share == null ? ShareSettings.none() : share;
    if (latestParameter != null) {
      String p = latestParameter.strip();
      if (p.equalsIgnoreCase("false") || p.isEmpty()) {
        latestParameter = null;
      } else if (p.equalsIgnoreCase("true")) {
        latestParameter = DEFAULT_LATEST_PARAMETER;
      } else if (!PARAMETER.matcher(p).matches() || p.toLowerCase(Locale.ROOT).startsWith("aws")) {
        throw new IllegalArgumentException(
            "latestParameter '"
                + p
                + "' is not a valid SSM parameter name: use letters, digits and . _ - /,"
                + " such as "
                + DEFAULT_LATEST_PARAMETER);
      } else {
        latestParameter = p;
      }
    }
    if (deprecateAfter != null && (deprecateAfter.isNegative() || deprecateAfter.isZero())) {
      throw new IllegalArgumentException("deprecateAfter must be a positive duration such as 365d");
    }
    if (copyParallelism == null) {
      copyParallelism = 4;
    } else if (copyParallelism < 1 || copyParallelism > 32) {
      throw new IllegalArgumentException(
          "copyParallelism must be between 1 and 32, was " + copyParallelism);
    }
    timeouts = timeouts == null ? Timeouts.defaults() : timeouts;
    waits = waits == null ? Waits.defaults() : waits;
    retry = retry == null ? Retry.defaults() : retry;
    fleet = fleet == null ? FleetSettings.defaults() : fleet;
  }

  public static AwsSettings defaults() {
    return new AwsSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** The home region first, then the copy regions: every region this publish touches. */
  public List<String> allRegions(String home) {
    List<String> all = new ArrayList<>();
    all.add(home);
    all.addAll(copyTo);
    return all;
  }

  /** Whether {@code host} is this machine by name or address, without asking a resolver. */
  static boolean loopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost")
        || h.endsWith(".localhost")
        || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static void checkRegion(String r, String key) {
    if (r == null || !REGION.matcher(r).matches()) {
      throw new IllegalArgumentException(
          key + ": '" + r + "' is not an AWS region name; write it like us-east-1 or eu-west-1");
    }
  }

  /** Per-request time limits applied to every SDK client. */
  public record Timeouts(
      @JsonProperty("apiCall") Duration apiCall,
      @JsonProperty("apiCallAttempt") Duration apiCallAttempt) {
    @JsonCreator
    public Timeouts {
      apiCall = apiCall == null ? Duration.ofMinutes(2) : positive(apiCall, "timeouts.apiCall");
      apiCallAttempt =
          apiCallAttempt == null
              ? Duration.ofSeconds(30)
              : positive(apiCallAttempt, "timeouts.apiCallAttempt");
      if (apiCallAttempt.compareTo(apiCall) > 0) {
        throw new IllegalArgumentException(
            "timeouts.apiCallAttempt ("
                + apiCallAttempt.toSeconds()
                + " s) must not exceed timeouts.apiCall ("
                + apiCall.toSeconds()
                + " s)");
      }
    }

    public static Timeouts defaults() {
      return new Timeouts(null, null);
    }
  }

  /** How long to wait for AMIs to become available, and how often to look. */
  public record Waits(
      @JsonProperty("available") Duration available,
      @JsonProperty("copy") Duration copy,
      @JsonProperty("pollInterval") Duration pollInterval) {
    @JsonCreator
    public Waits {
      // Registering from a snapshot takes seconds to minutes; cross-region copies of small
      // images usually finish within 10-20 minutes but AWS gives no bound, hence the generous one.
      available =
          available == null ? Duration.ofMinutes(30) : positive(available, "waits.available");
      copy = copy == null ? Duration.ofMinutes(90) : positive(copy, "waits.copy");
      pollInterval =
          pollInterval == null
              ? Duration.ofSeconds(15)
              : positive(pollInterval, "waits.pollInterval");
    }

    public static Waits defaults() {
      return new Waits(null, null, null);
    }
  }

  /** Retries of throttled and failed calls (see {@link AwsRetryable}). */
  public record Retry(
      @JsonProperty("maxAttempts") Integer maxAttempts,
      @JsonProperty("callsPerSecond") Double callsPerSecond) {
    @JsonCreator
    public Retry {
      maxAttempts = maxAttempts == null ? 8 : maxAttempts;
      callsPerSecond = callsPerSecond == null ? 10.0 : callsPerSecond;
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException(
            "retry.maxAttempts must be between 1 and 20, was " + maxAttempts);
      }
      if (!(callsPerSecond > 0)) {
        throw new IllegalArgumentException(
            "retry.callsPerSecond must be positive, was " + callsPerSecond);
      }
    }

    public static Retry defaults() {
      return new Retry(null, null);
    }
  }

  /** {@code d}, or {@code fallback} when unset; a zero or negative value is refused. */
  static Duration positiveOr(Duration d, Duration fallback, String key) {
    return d == null ? fallback : positive(d, key);
  }

  static Duration positive(Duration d, String key) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, was " + d);
    }
    return d;
  }

  /** An unmodifiable copy, or an empty map when absent. */
  static <K, V> Map<K, V> mapOrEmpty(Map<K, V> m) {
    return m == null ? Map.of() : Map.copyOf(m);
  }
}
