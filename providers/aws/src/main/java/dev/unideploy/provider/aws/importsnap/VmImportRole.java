package dev.unideploy.provider.aws.importsnap;

import java.util.Locale;

/**
 * Recognises AWS's answer when the VM Import service role is missing or lacks permissions, which
 * arrives either as the ImportSnapshot error ("The service role vmimport provided does not exist or
 * does not have sufficient permissions") or later as the task's status message.
 */
final class VmImportRole {
  static final String ADVICE = "create the vmimport service role: see docs/aws-iam.md";

  private VmImportRole() {}

  static boolean isRoleProblem(String message, String roleName) {
    if (message == null) {
      return false;
    }
    String m = message.toLowerCase(Locale.ROOT);
    String role = (roleName == null ? "vmimport" : roleName).toLowerCase(Locale.ROOT);
    return m.contains("service role") || (m.contains("role") && m.contains(role));
  }
}
