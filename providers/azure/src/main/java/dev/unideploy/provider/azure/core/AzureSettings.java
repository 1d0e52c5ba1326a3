package dev.unideploy.provider.azure.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.unideploy.pipeline.config.DurationText;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code providers.azure} section of {@code unideploy.yaml}: where to publish (subscription,
 * resource group, location, gallery and image definition), how the disk gets there, which regions
 * the image version replicates to, how to reach Azure, and the {@code fleet} sub-section for
 * deploys. Bound once by {@link AzureProvider}; every check fails naming the key.
 */
public record AzureSettings(
    @JsonProperty("subscription") String subscription,
    @JsonProperty("tenant") String tenant,
    @JsonProperty("resourceGroup") String resourceGroup,
    @JsonProperty("location") String location,
    @JsonProperty("gallery") GallerySettings gallery,
    @JsonProperty("targetRegions") List<TargetRegion> targetRegions,
    @JsonProperty("replicaCount") Integer replicaCount,
    @JsonProperty("storageAccountType") String storageAccountType,
    @JsonProperty("excludeFromLatest") Boolean excludeFromLatest,
    @JsonProperty("endOfLifeAfter") @JsonDeserialize(using = DurationText.Json.class)
        Duration endOfLifeAfter,
    @JsonProperty("managedImage") Boolean managedImage,
    @JsonProperty("upload") UploadSettings upload,
    @JsonProperty("endpoints") Endpoints endpoints,
    @JsonProperty("waits") Waits waits,
    @JsonProperty("retry") Retry retry,
    @JsonProperty("fleet") FleetSettings fleet) {

  static final Pattern GUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  static final Pattern REGION = Pattern.compile("[a-z][a-z0-9]{2,30}");
  static final Pattern RESOURCE_GROUP = Pattern.compile("[-\\w.()]{1,89}[-\\w()]");
  static final List<String> STORAGE_TYPES = List.of("Standard_LRS", "Standard_ZRS", "Premium_LRS");

  @JsonCreator
  public AzureSettings {
    if (subscription != null && !GUID.matcher(subscription).matches()) {
      throw new IllegalArgumentException(
          "subscription '" + subscription + "' is not a subscription id (a GUID)");
    }
    if (tenant != null && !GUID.matcher(tenant).matches()) {
      throw new IllegalArgumentException("tenant '" + tenant + "' is not a tenant id (a GUID)");
    }
    if (resourceGroup != null && !RESOURCE_GROUP.matcher(resourceGroup).matches()) {
      throw new IllegalArgumentException(
          "resourceGroup '"
              + resourceGroup
              + "' is not a resource group name (1-90 letters, digits, - _ . ( ), not ending in .)");
    }
    location = location == null ? null : region(location, "location");
    gallery = gallery == null ? GallerySettings.defaults() : gallery;
    replicaCount = replicaCount == null ? 1 : replicaCount;
    if (replicaCount < 1 || replicaCount > 100) {
      throw new IllegalArgumentException("replicaCount must be 1 to 100, was " + replicaCount);
    }
    storageAccountType = storageType(storageAccountType, "storageAccountType");
    Map<String, TargetRegion> regions = new LinkedHashMap<>();
    for (TargetRegion t : targetRegions == null ? List.<TargetRegion>of() : targetRegions) {
      if (t == null) {
        throw new IllegalArgumentException("targetRegions: an entry is empty");
      }
      regions.putIfAbsent(t.name(), t);
    }
    targetRegions = List.copyOf(regions.values());
    excludeFromLatest = excludeFromLatest != null && excludeFromLatest;
    if (endOfLifeAfter != null && (endOfLifeAfter.isNegative() || endOfLifeAfter.isZero())) {
      throw new IllegalArgumentException("endOfLifeAfter must be a positive duration such as 365d");
    }
    managedImage = managedImage != null && managedImage;
    upload = upload == null ? UploadSettings.defaults() : upload;
    endpoints = endpoints == null ? Endpoints.defaults() : endpoints;
    waits = waits == null ? Waits.defaults() : waits;
    retry = retry == null ? Retry.defaults() : retry;
    fleet = fleet == null ? FleetSettings.defaults() : fleet;
  }

  public static AzureSettings defaults() {
    return new AzureSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null);
  }

  /** The subscription, or an error that says how to set it. */
  public String requireSubscription() {
    String s = subscription != null ? subscription : System.getenv("AZURE_SUBSCRIPTION_ID");
    if (s == null || !GUID.matcher(s).matches()) {
      throw new IllegalArgumentException(
          "providers.azure.subscription is not set: write the subscription id (a GUID) there, or"
              + " set AZURE_SUBSCRIPTION_ID");
    }
    return s;
  }

  public String requireResourceGroup() {
    if (resourceGroup == null) {
      throw new IllegalArgumentException(
          "providers.azure.resourceGroup is not set: name the resource group that holds the"
              + " gallery, disks and scale sets");
    }
    return resourceGroup;
  }

  public String requireLocation() {
    if (location == null) {
      throw new IllegalArgumentException(
          "providers.azure.location is not set: write the home region, such as westeurope");
    }
    return location;
  }

  /** The home region first, then the other target regions, each once. */
  public List<TargetRegion> allRegions() {
    String home = requireLocation();
    List<TargetRegion> all = new ArrayList<>();
    TargetRegion own =
        targetRegions.stream().filter(t -> t.name().equals(home)).findFirst().orElse(null);
    all.add(own != null ? own : new TargetRegion(home, null, null, null));
    targetRegions.stream().filter(t -> !t.name().equals(home)).forEach(all::add);
    return all;
  }

  static String region(String r, String key) {
    String n = r.replace(" ", "").toLowerCase(Locale.ROOT);
    if (!REGION.matcher(n).matches()) {
      throw new IllegalArgumentException(
          key + ": '" + r + "' is not an Azure region name; write it like westeurope or eastus2");
    }
    return n;
  }

  static String storageType(String t, String key) {
    if (t == null) {
      return "Standard_LRS";
    }
    for (String s : STORAGE_TYPES) {
      if (s.equalsIgnoreCase(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        key + " '" + t + "' is not a gallery storage type: use one of " + STORAGE_TYPES);
  }

  static Duration positive(Duration d, String key, Duration dflt) {
    if (d == null) {
      return dflt;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, was " + d);
    }
    return d;
  }

  /** One replication target: region, replica count and storage type (defaults from above). */
  public record TargetRegion(
      @JsonProperty("name") String name,
      @JsonProperty("replicas") Integer replicas,
      @JsonProperty("storageAccountType") String storageAccountType,
      @JsonProperty("excludeFromLatest") Boolean excludeFromLatest) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public TargetRegion {
      if (name == null) {
        throw new IllegalArgumentException("targetRegions: every entry needs a name");
      }
      name = region(name, "targetRegions.name");
      if (replicas != null && (replicas < 1 || replicas > 100)) {
        throw new IllegalArgumentException(
            "targetRegions." + name + ".replicas must be 1 to 100, was " + replicas);
      }
      storageAccountType =
          storageAccountType == null
              ? null
              : storageType(storageAccountType, "targetRegions." + name + ".storageAccountType");
    }

    /** A region given as a bare name in YAML ({@code - eastus}). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static TargetRegion of(String name) {
      return new TargetRegion(name, null, null, null);
    }
  }

  /** Where the image is registered: the gallery, the image definition and its identity. */
  public record GallerySettings(
      @JsonProperty("name") String name,
      @JsonProperty("image") String image,
      @JsonProperty("publisher") String publisher,
      @JsonProperty("offer") String offer,
      @JsonProperty("sku") String sku,
      @JsonProperty("create") Boolean create) {
    static final Pattern GALLERY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.]{0,78}[A-Za-z0-9]");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9]");

    @JsonCreator
    public GallerySettings {
      name = name == null ? "unideploy" : name;
      if (!GALLERY.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "gallery.name '"
                + name
                + "' is not a gallery name (letters, digits, _ and ., no '-'; 2-80 characters)");
      }
      if (image != null && !NAME.matcher(image).matches()) {
        throw new IllegalArgumentException(
            "gallery.image '"
                + image
                + "' is not an image definition name (letters, digits, _ . -)");
      }
      for (String[] kv :
          new String[][] {{"publisher", publisher}, {"offer", offer}, {"sku", sku}}) {
        if (kv[1] != null && !NAME.matcher(kv[1]).matches()) {
          throw new IllegalArgumentException(
              "gallery." + kv[0] + " '" + kv[1] + "' must be letters, digits, _ . - (2-80)");
        }
      }
      create = create == null || create;
    }

    public static GallerySettings defaults() {
      return new GallerySettings(null, null, null, null, null, null);
    }
  }

  /** How the disk reaches Azure: a managed disk (direct upload) or a page blob. */
  public record UploadSettings(
      @JsonProperty("method") String method,
      @JsonProperty("concurrency") Integer concurrency,
      @JsonProperty("storageAccount") String storageAccount,
      @JsonProperty("container") String container,
      @JsonProperty("blobEndpoint") URI blobEndpoint,
      @JsonProperty("diskSku") String diskSku) {
    public static final String MANAGED_DISK = "managed-disk";
    public static final String PAGE_BLOB = "page-blob";
    static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
    static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");

    @JsonCreator
    public UploadSettings {
      method = method == null ? MANAGED_DISK : method.toLowerCase(Locale.ROOT);
      if (!method.equals(MANAGED_DISK) && !method.equals(PAGE_BLOB)) {
        throw new IllegalArgumentException(
            "upload.method '" + method + "' is not supported: use managed-disk or page-blob");
      }
      concurrency = concurrency == null ? 16 : concurrency;
      if (concurrency < 1 || concurrency > 64) {
        throw new IllegalArgumentException(
            "upload.concurrency must be 1 to 64, was " + concurrency);
      }
      if (storageAccount != null && !ACCOUNT.matcher(storageAccount).matches()) {
        throw new IllegalArgumentException(
            "upload.storageAccount '"
                + storageAccount
                + "' is not a storage account name (3-24 lowercase letters and digits)");
      }
      if (method.equals(PAGE_BLOB) && storageAccount == null) {
        throw new IllegalArgumentException(
            "upload.method page-blob writes to a storage account: set upload.storageAccount");
      }
      container = container == null ? "unideploy-images" : container;
      if (!CONTAINER.matcher(container).matches()) {
        throw new IllegalArgumentException(
            "upload.container '" + container + "' is not a container name (3-63 lowercase, -)");
      }
      if (blobEndpoint != null
          && !("https".equals(blobEndpoint.getScheme())
              || "http".equals(blobEndpoint.getScheme()))) {
        throw new IllegalArgumentException("upload.blobEndpoint must be an http(s):// URL");
      }
      diskSku = diskSku == null ? "Standard_LRS" : diskSku;
      if (!List.of("Standard_LRS", "StandardSSD_LRS", "Premium_LRS").contains(diskSku)) {
        throw new IllegalArgumentException(
            "upload.diskSku '"
                + diskSku
                + "' is not supported for uploads: use Standard_LRS, StandardSSD_LRS or"
                + " Premium_LRS");
      }
    }

    public static UploadSettings defaults() {
      return new UploadSettings(null, null, null, null, null, null);
    }

    public boolean pageBlob() {
      return PAGE_BLOB.equals(method);
    }
  }

  /** Endpoint overrides: sovereign clouds, Azure Stack, and the local fake used by the tests. */
  public record Endpoints(
      @JsonProperty("resourceManager") URI resourceManager,
      @JsonProperty("authorityHost") URI authorityHost,
      @JsonProperty("caCertificate") Path caCertificate) {
    @JsonCreator
    public Endpoints {
      for (URI u : new URI[] {resourceManager, authorityHost}) {
        if (u != null && !"https".equals(u.getScheme())) {
          throw new IllegalArgumentException(
              "endpoints: '" + u + "' must be an https:// URL (tokens are only sent over TLS)");
        }
      }
    }

    public static Endpoints defaults() {
      return new Endpoints(null, null, null);
    }
  }

  /** How long to wait for Azure's long-running operations, and how often to look. */
  public record Waits(
      @JsonProperty("operation") @JsonDeserialize(using = DurationText.Json.class)
          Duration operation,
      @JsonProperty("replication") @JsonDeserialize(using = DurationText.Json.class)
          Duration replication,
      @JsonProperty("pollInterval") @JsonDeserialize(using = DurationText.Json.class)
          Duration pollInterval) {
    @JsonCreator
    public Waits {
      operation = positive(operation, "waits.operation", Duration.ofMinutes(30));
      // Gallery replication of a small image takes minutes per region; Azure gives no bound.
      replication = positive(replication, "waits.replication", Duration.ofHours(3));
      pollInterval = positive(pollInterval, "waits.pollInterval", Duration.ofSeconds(10));
    }

    public static Waits defaults() {
      return new Waits(null, null, null);
    }
  }

  /** Retries of throttled (429) and failed (5xx, network) calls, honouring Retry-After. */
  public record Retry(
      @JsonProperty("maxAttempts") Integer maxAttempts,
      @JsonProperty("callTimeout") @JsonDeserialize(using = DurationText.Json.class)
          Duration callTimeout) {
    @JsonCreator
    public Retry {
      maxAttempts = maxAttempts == null ? 6 : maxAttempts;
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new IllegalArgumentException("retry.maxAttempts must be 1 to 20, was " + maxAttempts);
      }
      callTimeout = positive(callTimeout, "retry.callTimeout", Duration.ofSeconds(60));
    }

    public static Retry defaults() {
      return new Retry(null, null);
    }
  }
}
