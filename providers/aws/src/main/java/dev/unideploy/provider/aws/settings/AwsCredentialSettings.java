package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How to authenticate: the SDK's default chain (environment, profile, SSO, instance role), or a
 * named profile, optionally followed by assuming a role, globally or per region. No secret is ever
 * part of this config: keys come from the environment or the profile files.
 */
public record AwsCredentialSettings(
    @JsonProperty("profile") String profile,
    @JsonProperty("roleArn") String roleArn,
    @JsonProperty("externalId") String externalId,
    @JsonProperty("sessionName") String sessionName,
    @JsonProperty("regions") Map<String, RoleSettings> regions) {

  private static final Pattern ROLE_ARN =
      Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
  private static final Pattern SESSION = Pattern.compile("[\\w+=,.@-]{2,64}");

  @JsonCreator
  public AwsCredentialSettings {
    if (profile != null && profile.isBlank()) {
      profile = null;
    }
    checkRole(roleArn, "credentials.roleArn");
    sessionName = sessionName == null ? "unideploy" : sessionName;
    if (!SESSION.matcher(sessionName).matches()) {
      throw new IllegalArgumentException(
          "credentials.sessionName '"
              + sessionName
              + "' must be 2-64 letters, digits or +=,.@-_ characters");
    }
    regions = AwsSettings.mapOrEmpty(regions);
    regions.forEach(
        (r, role) -> checkRole(role.roleArn(), "credentials.regions." + r + ".roleArn"));
  }

  public static AwsCredentialSettings defaults() {
    return new AwsCredentialSettings(null, null, null, null, null);
  }

  /** The role to assume in {@code region}, or null to use the base credentials as they are. */
  public RoleSettings roleFor(String region) {
    RoleSettings perRegion = regions.get(region);
    if (perRegion != null) {
      return perRegion;
    }
    return roleArn == null ? null : new RoleSettings(roleArn, externalId);
  }

  private static void checkRole(String arn, String key) {
    if (arn != null && !ROLE_ARN.matcher(arn).matches()) {
      throw new IllegalArgumentException(
          key
              + ": '"
              + arn
              + "' is not an IAM role ARN; write it like"
              + " arn:aws:iam::123456789012:role/unideploy-publish");
    }
  }

  /** A role to assume, with the external id its trust policy may require. */
  public record RoleSettings(
      @JsonProperty("roleArn") String roleArn, @JsonProperty("externalId") String externalId) {
    @JsonCreator
    public RoleSettings {
      if (roleArn == null) {
        throw new IllegalArgumentException("a per-region credentials entry needs a roleArn");
      }
    }

    /** Never prints the external id: trust policies use it as a shared secret. */
    @Override
    public String toString() {
      return "RoleSettings[roleArn="
          + roleArn
          + ", externalId="
          + (externalId == null ? "none" : "***")
          + "]";
    }
  }

  /** Never prints the external id: trust policies use it as a shared secret. */
  @Override
  public String toString() {
    return "AwsCredentialSettings[profile="
        + profile
        + ", roleArn="
        + roleArn
        + ", externalId="
        + (externalId == null ? "none" : "***")
        + ", sessionName="
        + sessionName
        + ", regions="
        + regions
        + "]";
  }
}
