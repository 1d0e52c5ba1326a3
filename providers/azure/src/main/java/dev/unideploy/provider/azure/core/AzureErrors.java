package dev.unideploy.provider.azure.core;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import com.azure.storage.blob.models.BlobStorageException;

/**
 * One-line descriptions of Azure failures for error messages: the error code and Azure's message,
 * never request ids, bodies, SAS tokens or credentials.
 */
public final class AzureErrors {
  private AzureErrors() {}

  /** Azure's error code of {@code t}, or null when it is not a service error. */
  public static String code(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ManagementException m && m.getValue() != null) {
        return m.getValue().getCode();
      }
      if (c instanceof BlobStorageException b && b.getErrorCode() != null) {
        return b.getErrorCode().toString();
      }
    }
    return null;
  }

  /** The HTTP status of a service error, or -1. */
  public static int status(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof HttpResponseException h && h.getResponse() != null) {
        return h.getResponse().getStatusCode();
      }
    }
    return -1;
  }

  public static boolean notFound(Throwable t) {
    return status(t) == 404;
  }

  public static String describe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ManagementException m && m.getValue() != null) {
        return m.getValue().getCode() + ": " + m.getValue().getMessage();
      }
      if (c instanceof BlobStorageException b) {
        return (b.getErrorCode() == null
                ? "HTTP " + b.getStatusCode()
                : b.getErrorCode().toString())
            + " (HTTP "
            + b.getStatusCode()
            + ")";
      }
    }
    Throwable root = t;
    while (root.getCause() != null && root.getMessage() == null) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    // A SAS token in a URL must never reach a message.
    return m.replaceAll("sig=[^&\\s\"]+", "sig=REDACTED");
  }

  /** A hint for the end of an error message, from the code Azure gave. */
  public static String hint(Throwable t) {
    String code = code(t);
    int status = status(t);
    if ("AuthorizationFailed".equals(code) || status == 403) {
      return "the identity lacks a permission: grant the role in docs/azure.md, then re-run";
    }
    if ("InvalidAuthenticationToken".equals(code)
        || "AuthenticationFailed".equals(code)
        || status == 401) {
      return "Azure did not accept the credentials: check AZURE_CLIENT_ID / AZURE_TENANT_ID, the"
          + " federated token or `az login`";
    }
    if (status == 429 || status >= 500) {
      return "Azure kept failing after retries: re-run later (the run resumes)";
    }
    return "fix the cause above and re-run (the run resumes)";
  }
}
