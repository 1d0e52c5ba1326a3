package dev.unideploy.provider.aws.publish;

import dev.unideploy.provider.aws.settings.ShareSettings;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.PermissionGroup;

/** The launch permissions the share settings ask for, and which of them an image still lacks. */
public final class LaunchPermissions {
  private LaunchPermissions() {}

  /** Every launch permission {@code share} asks for; public only when it says so explicitly. */
  public static List<LaunchPermission> wanted(ShareSettings share) {
    List<LaunchPermission> l = new ArrayList<>();
    for (String a : share.accounts()) {
      l.add(LaunchPermission.builder().userId(a).build());
    }
    for (String o : share.organizations()) {
      l.add(LaunchPermission.builder().organizationArn(o).build());
    }
    for (String u : share.organizationalUnits()) {
      l.add(LaunchPermission.builder().organizationalUnitArn(u).build());
    }
    if (share.isPublic()) {
      l.add(LaunchPermission.builder().group(PermissionGroup.ALL).build());
    }
    return l;
  }

  /** The permissions of {@code wanted} that {@code present} does not already grant. */
  public static List<LaunchPermission> missing(
      List<LaunchPermission> wanted, List<LaunchPermission> present) {
    List<String> have = present.stream().map(LaunchPermissions::key).toList();
    return wanted.stream().filter(p -> !have.contains(key(p))).toList();
  }

  static String key(LaunchPermission p) {
    if (p.userId() != null) {
      return "user:" + p.userId();
    }
    if (p.organizationArn() != null) {
      return "org:" + p.organizationArn();
    }
    if (p.organizationalUnitArn() != null) {
      return "ou:" + p.organizationalUnitArn();
    }
    return "group:" + p.groupAsString();
  }
}
