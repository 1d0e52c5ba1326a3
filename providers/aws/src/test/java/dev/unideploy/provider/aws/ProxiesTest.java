package dev.unideploy.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxiesTest {
  private static final URI EBS = URI.create("https://ebs.eu-west-1.amazonaws.com");

  @Test
  void noProxyNoObjection() {
    assertThat(Proxies.proxySetting(EBS, k -> null, k -> null)).isNull();
  }

  @Test
  void anHttpsProxyStopsTheUploadWithAdvice() {
    Map<String, String> env = Map.of("HTTPS_PROXY", "http://proxy:3128");
    assertThatThrownBy(() -> Proxies.refuseIfProxied(EBS, env::get, k -> null))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("HTTPS_PROXY")
        .hasMessageContaining("NO_PROXY")
        .hasMessageContaining("import-snapshot");
  }

  @Test
  void noProxyListsAndJdkPropertiesAreHonoured() {
    Map<String, String> env =
        Map.of("https_proxy", "http://proxy:3128", "NO_PROXY", "localhost,.amazonaws.com");
    assertThat(Proxies.proxySetting(EBS, env::get, k -> null)).isNull();
    Map<String, String> props =
        Map.of("https.proxyHost", "proxy", "http.nonProxyHosts", "*.amazonaws.com|localhost");
    assertThat(Proxies.proxySetting(EBS, k -> null, props::get)).isNull();
    assertThat(Proxies.proxySetting(EBS, k -> null, Map.of("https.proxyHost", "proxy")::get))
        .isEqualTo("https.proxyHost");
    // An http:// endpoint is governed by HTTP_PROXY, not HTTPS_PROXY.
    assertThat(
            Proxies.proxySetting(
                URI.create("http://127.0.0.1:5000"),
                Map.of("HTTPS_PROXY", "http://proxy:3128")::get,
                k -> null))
        .isNull();
  }
}
