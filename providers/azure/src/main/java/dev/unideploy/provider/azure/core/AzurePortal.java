package dev.unideploy.provider.azure.core;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * Links to resources in the Azure portal of the cloud unideploy talks to ({@code
 * https://portal.azure.com/#resource/subscriptions/...}): the portal named in {@code
 * endpoints.portal}, else the one of the public or a sovereign cloud, recognised by its Resource
 * Manager endpoint. Any other cloud (Azure Stack, the local fake) gets no link.
 */
public final class AzurePortal {
  private static final Map<String, String> BY_MANAGEMENT_HOST =
      Map.of(
          "management.azure.com", "https://portal.azure.com",
          "management.chinacloudapi.cn", "https://portal.azure.cn",
          "management.usgovcloudapi.net", "https://portal.azure.us");

  private final String portal;

  public AzurePortal(AzureSettings settings) {
    this.portal = portal(settings.endpoints());
  }

  static String portal(AzureSettings.Endpoints e) {
    if (e.portal() != null) {
      String p = e.portal().toString();
      return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
    URI arm = e.resourceManager();
    if (arm == null) {
      return BY_MANAGEMENT_HOST.get("management.azure.com");
    }
    return arm.getHost() == null
        ? null
        : BY_MANAGEMENT_HOST.get(arm.getHost().toLowerCase(Locale.ROOT));
  }

  /** The portal page of the resource {@code id}, or null when the cloud's portal is unknown. */
  public String link(String id) {
    return portal == null || id == null ? null : portal + "/#resource" + id;
  }
}
