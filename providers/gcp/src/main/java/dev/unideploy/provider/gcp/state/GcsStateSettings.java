package dev.unideploy.provider.gcp.state;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.pipeline.UnideployException;
import java.net.URI;
import java.util.Locale;

/**
 * What a {@code gs://} state store takes from {@code providers.gcp}: {@code credentials} ({@code
 * adc}, the default, or {@code none} for emulators) and {@code endpoints.storage}. Read leniently,
 * key by key, so that the provider's own binding of the section stays the one that decides which
 * keys exist.
 */
record GcsStateSettings(boolean anonymous, URI endpoint) {

  static GcsStateSettings from(JsonNode gcp) {
    String credentials = text(gcp.path("credentials"));
    boolean anonymous = false;
    if (credentials != null) {
      String c = credentials.strip().toLowerCase(Locale.ROOT);
      if (c.equals("none")) {
        anonymous = true;
      } else if (!c.equals("adc")) {
        throw new UnideployException(
            "providers.gcp.credentials: '"
                + credentials
                + "' is not known; write adc (Application Default Credentials) or none"
                + " (emulators only)");
      }
    }
    URI endpoint = null;
    String storage = text(gcp.path("endpoints").path("storage"));
    if (storage != null) {
      endpoint = URI.create(storage.strip());
      if (endpoint.getHost() == null
          || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
        throw new UnideployException(
            "providers.gcp.endpoints.storage: '"
                + storage
                + "' must be an http:// or https:// URL with a host");
      }
    }
    return new GcsStateSettings(anonymous, endpoint);
  }

  private static String text(JsonNode n) {
    return n.isTextual() ? n.asText() : null;
  }
}
