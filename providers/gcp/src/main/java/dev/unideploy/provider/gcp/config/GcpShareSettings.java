package dev.unideploy.provider.gcp.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who may use the image ({@code roles/compute.imageUser} on it): IAM principals, and projects by
 * number, whose Google APIs service agent is what their managed instance groups create instances
 * as. See https://cloud.google.com/compute/docs/images/managing-access-custom-images.
 */
public record GcpShareSettings(
    @JsonProperty("members") List<String> members,
    @JsonProperty("projects") List<String> projects) {

  /** The role that lets a principal create disks and instances from an image. */
  public static final String IMAGE_USER = "roles/compute.imageUser";

  private static final Pattern MEMBER =
      Pattern.compile("(user|group|serviceAccount|domain):[^\\s:]+|principal(Set)?://\\S+");
  private static final Pattern PROJECT_NUMBER = Pattern.compile("[1-9][0-9]{5,18}");

  @JsonCreator
  public GcpShareSettings {
    members = members == null ? List.of() : List.copyOf(members);
    projects = projects == null ? List.of() : List.copyOf(projects);
    for (String m : members) {
      if (m.equals("allUsers") || m.equals("allAuthenticatedUsers")) {
        throw new IllegalArgumentException(
            "share.members: '"
                + m
                + "' would make the image usable by anyone; unideploy does not publish images"
                + " publicly");
      }
      if (!MEMBER.matcher(m).matches()) {
        throw new IllegalArgumentException(
            "share.members: '"
                + m
                + "' is not an IAM principal; write it like user:me@example.com,"
                + " group:devs@example.com, serviceAccount:sa@project.iam.gserviceaccount.com or"
                + " domain:example.com");
      }
    }
    for (String p : projects) {
      if (!PROJECT_NUMBER.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "share.projects: '"
                + p
                + "' is not a project number; write the number (gcloud projects describe ID"
                + " --format='value(projectNumber)'), quoted in YAML");
      }
    }
  }

  public static GcpShareSettings none() {
    return new GcpShareSettings(null, null);
  }

  /** Every principal to grant, members first, without repeats. */
  public List<String> principals() {
    LinkedHashSet<String> all = new LinkedHashSet<>(members);
    for (String p : projects) {
      all.add("serviceAccount:" + p + "@cloudservices.gserviceaccount.com");
    }
    return new ArrayList<>(all);
  }
}
