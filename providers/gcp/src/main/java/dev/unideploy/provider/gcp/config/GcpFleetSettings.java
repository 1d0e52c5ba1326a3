package dev.unideploy.provider.gcp.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.unideploy.pipeline.UnideployException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code providers.gcp.fleet} section: what a release's managed instance group is made of
 * (where it runs, the machine, the network, the service account, Shielded VM options) and how it
 * joins traffic (the backend service, its balancing mode and per-instance capacity, and the health
 * check that autoheals it).
 */
public record GcpFleetSettings(
    @JsonProperty("zone") String zone,
    @JsonProperty("region") String region,
    @JsonProperty("zones") List<String> zones,
    @JsonProperty("machineType") String machineType,
    @JsonProperty("network") String network,
    @JsonProperty("subnetwork") String subnetwork,
    @JsonProperty("externalIp") Boolean externalIp,
    @JsonProperty("tags") List<String> tags,
    @JsonProperty("serviceAccount") String serviceAccount,
    @JsonProperty("scopes") List<String> scopes,
    @JsonProperty("labels") Map<String, String> labels,
    @JsonProperty("diskType") String diskType,
    @JsonProperty("diskSizeGb") Integer diskSizeGb,
    @JsonProperty("secureBoot") Boolean secureBoot,
    @JsonProperty("healthCheck") String healthCheck,
    @JsonProperty("initialDelay") Duration initialDelay,
    @JsonProperty("backendService") String backendService,
    @JsonProperty("balancingMode") String balancingMode,
    @JsonProperty("maxRatePerInstance") Double maxRatePerInstance,
    @JsonProperty("maxConnectionsPerInstance") Integer maxConnectionsPerInstance,
    @JsonProperty("namedPorts") Map<String, Integer> namedPorts,
    @JsonProperty("probeAddress") String probeAddress) {

  private static final Pattern ZONE = Pattern.compile("[a-z]+-[a-z]+[0-9]+-[a-z]");
  private static final Pattern REGION = Pattern.compile("[a-z]+-[a-z]+[0-9]+");
  private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");

  @JsonCreator
  public GcpFleetSettings {
    if (zone != null && region != null) {
      throw new IllegalArgumentException(
          "fleet: give zone (a zonal group) or region (a regional group), not both");
    }
    if (zone != null && !ZONE.matcher(zone).matches()) {
      throw new IllegalArgumentException(
          "fleet.zone: '" + zone + "' is not a zone; write it like us-central1-a");
    }
    if (region != null && !REGION.matcher(region).matches()) {
      throw new IllegalArgumentException(
          "fleet.region: '" + region + "' is not a region; write it like us-central1");
    }
    zones = zones == null ? List.of() : List.copyOf(zones);
    for (String z : zones) {
      if (region == null || !ZONE.matcher(z).matches() || !z.startsWith(region + "-")) {
        throw new IllegalArgumentException(
            "fleet.zones: '"
                + z
                + "' must be a zone of fleet.region (zones spread a regional group only)");
      }
    }
    machineType = machineType == null ? "e2-small" : machineType;
    network = network == null ? "default" : network;
    externalIp = externalIp != null && externalIp;
    tags = tags == null ? List.of() : List.copyOf(tags);
    for (String t : tags) {
      if (!NAME.matcher(t).matches()) {
        throw new IllegalArgumentException(
            "fleet.tags: '" + t + "' is not a network tag (lowercase letters, digits, '-')");
      }
    }
    if (serviceAccount != null
        && !serviceAccount.equals("default")
        && !EMAIL.matcher(serviceAccount).matches()) {
      throw new IllegalArgumentException(
          "fleet.serviceAccount: '"
              + serviceAccount
              + "' is not a service account email (or 'default' for the project's default)");
    }
    scopes =
        scopes == null
            ? List.of("https://www.googleapis.com/auth/cloud-platform")
            : List.copyOf(scopes);
    Map<String, String> l = new TreeMap<>(labels == null ? Map.of() : labels);
    for (Map.Entry<String, String> e : l.entrySet()) {
      if (!e.getKey().matches("[a-z][a-z0-9_-]{0,62}")
          || !String.valueOf(e.getValue()).matches("[a-z0-9_-]{0,63}")) {
        throw new IllegalArgumentException(
            "fleet.labels: '" + e.getKey() + ": " + e.getValue() + "' is not a valid label");
      }
    }
    labels = Map.copyOf(l);
    diskType = diskType == null ? "pd-balanced" : diskType;
    if (diskSizeGb != null && (diskSizeGb < 1 || diskSizeGb > 65536)) {
      throw new IllegalArgumentException("fleet.diskSizeGb must be 1-65536, was " + diskSizeGb);
    }
    secureBoot = secureBoot != null && secureBoot;
    initialDelay = initialDelay == null ? Duration.ofSeconds(300) : initialDelay;
    if (initialDelay.isNegative() || initialDelay.toSeconds() > 3600) {
      throw new IllegalArgumentException(
          "fleet.initialDelay must be between 0 and 1h (autohealing waits that long after boot)");
    }
    balancingMode = balancingMode == null ? "UTILIZATION" : balancingMode.toUpperCase(Locale.ROOT);
    if (!List.of("UTILIZATION", "RATE", "CONNECTION").contains(balancingMode)) {
      throw new IllegalArgumentException(
          "fleet.balancingMode: use UTILIZATION, RATE or CONNECTION, not " + balancingMode);
    }
    // Compute Engine refuses a RATE backend without a maximum; a per-instance one (rather than
    // maxRate, per group) is what makes a canary's share of traffic its share of the instances.
    // https://cloud.google.com/compute/docs/reference/rest/v1/backendServices
    // (backends[].balancingMode)
    if (balancingMode.equals("RATE") && (maxRatePerInstance == null || maxRatePerInstance <= 0)) {
      throw new IllegalArgumentException(
          "fleet.balancingMode RATE needs fleet.maxRatePerInstance (the requests per second one"
              + " instance should take, > 0): Compute Engine refuses a RATE backend without it");
    }
    if (maxRatePerInstance != null && !balancingMode.equals("RATE")) {
      throw new IllegalArgumentException(
          "fleet.maxRatePerInstance applies to balancingMode RATE only (it is "
              + balancingMode
              + ")");
    }
    if (maxConnectionsPerInstance != null
        && (!balancingMode.equals("CONNECTION") || maxConnectionsPerInstance < 1)) {
      throw new IllegalArgumentException(
          "fleet.maxConnectionsPerInstance applies to balancingMode CONNECTION only, and must be"
              + " at least 1 (it is "
              + balancingMode
              + ", "
              + maxConnectionsPerInstance
              + ")");
    }
    namedPorts = namedPorts == null ? Map.of() : Map.copyOf(new TreeMap<>(namedPorts));
    probeAddress = probeAddress == null ? "internal" : probeAddress.toLowerCase(Locale.ROOT);
    if (!List.of("internal", "external", "none").contains(probeAddress)) {
      throw new IllegalArgumentException(
          "fleet.probeAddress: use internal (the instance's VPC address), external (its NAT IP,"
              + " needs externalIp) or none, not "
              + probeAddress);
    }
    if (probeAddress.equals("external") && !externalIp) {
      throw new IllegalArgumentException(
          "fleet.probeAddress is external but fleet.externalIp is false: instances would have no"
              + " external address to probe");
    }
  }

  public static GcpFleetSettings defaults() {
    return new GcpFleetSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null);
  }

  /** Where groups run: "zones/Z" or "regions/R"; an error when neither is configured. */
  public String scope() {
    if (zone != null) {
      return "zones/" + zone;
    }
    if (region != null) {
      return "regions/" + region;
    }
    throw new UnideployException(
        "deploying to gcp needs providers.gcp.fleet.zone (a zonal managed instance group) or"
            + " providers.gcp.fleet.region (a regional one)");
  }

  public boolean regional() {
    return region != null;
  }
}
