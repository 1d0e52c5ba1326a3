package dev.unideploy.provider.aws.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who may launch the AMI: accounts, organizations and organizational units (by ARN), and the whole
 * world only when {@code public: true} is written out.
 */
public record ShareSettings(
    @JsonProperty("accounts") List<String> accounts,
    @JsonProperty("organizations") List<String> organizations,
    @JsonProperty("organizationalUnits") List<String> organizationalUnits,
    @JsonProperty("public") Boolean isPublic,
    @JsonProperty("snapshots") Boolean snapshots) {

  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
  private static final Pattern ORG =
      Pattern.compile("arn:aws[a-z-]*:organizations::\\d{12}:organization/o-[a-z0-9]{10,32}");
  private static final Pattern OU =
      Pattern.compile(
          "arn:aws[a-z-]*:organizations::\\d{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}");

  @JsonCreator
  public ShareSettings {
    accounts = accounts == null ? List.of() : List.copyOf(accounts);
    organizations = organizations == null ? List.of() : List.copyOf(organizations);
    organizationalUnits =
        organizationalUnits == null ? List.of() : List.copyOf(organizationalUnits);
    isPublic = isPublic != null && isPublic;
    snapshots = snapshots == null || snapshots;
    for (String a : accounts) {
      if ("all".equalsIgnoreCase(a)) {
        throw new IllegalArgumentException(
            "share.accounts contains 'all', which would make the image public: remove it, and"
                + " set share.public: true if that is really meant");
      }
      if (!ACCOUNT.matcher(a).matches()) {
        throw new IllegalArgumentException(
            "share.accounts: '" + a + "' is not a 12-digit AWS account id (quote it in YAML)");
      }
    }
    for (String o : organizations) {
      if (!ORG.matcher(o).matches()) {
        throw new IllegalArgumentException(
            "share.organizations: '"
                + o
                + "' is not an organization ARN; write it like"
                + " arn:aws:organizations::123456789012:organization/o-exampleorgid");
      }
    }
    for (String u : organizationalUnits) {
      if (!OU.matcher(u).matches()) {
        throw new IllegalArgumentException(
            "share.organizationalUnits: '"
                + u
                + "' is not an OU ARN; write it like"
                + " arn:aws:organizations::123456789012:ou/o-exampleorgid/ou-examplerootid-exampleouid");
      }
    }
  }

  public static ShareSettings none() {
    return new ShareSettings(null, null, null, null, null);
  }

  /** Whether any launch permission is configured. */
  public boolean any() {
    return isPublic
        || !accounts.isEmpty()
        || !organizations.isEmpty()
        || !organizationalUnits.isEmpty();
  }
}
