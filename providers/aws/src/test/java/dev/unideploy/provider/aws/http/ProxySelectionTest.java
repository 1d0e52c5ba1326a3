package dev.unideploy.provider.aws.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProxySelectionTest {
  private static final UnaryOperator<String> NONE = k -> null;
  private static final String EBS = "ebs.eu-west-1.amazonaws.com";

  private static ProxySelection https(Map<String, String> env, Map<String, String> props) {
    return ProxySelection.resolve("https", env::get, props::get);
  }

  @Test
  void noSettingMeansDirect() {
    assertThat(ProxySelection.resolve("https", NONE, NONE).routeFor(EBS)).isEmpty();
  }

  @Test
  void httpsProxyWithCredentialsAndTheLowerCaseNameFirst() {
    ProxySelection s =
        https(
            Map.of(
                "https_proxy", "http://alice:s%40cret@proxy.corp:3128/",
                "HTTPS_PROXY", "http://other:9"),
            Map.of());
    ProxyRoute r = s.routeFor(EBS).orElseThrow();
    assertThat(r.host()).isEqualTo("proxy.corp");
    assertThat(r.port()).isEqualTo(3128);
    assertThat(r.username()).isEqualTo("alice");
    assertThat(r.password()).isEqualTo("s@cret");
    assertThat(r.source()).isEqualTo("https_proxy");
    // Without a scheme, http is meant; without a port, 80.
    assertThat(
            https(Map.of("HTTPS_PROXY", "proxy.corp"), Map.of()).routeFor(EBS).orElseThrow().port())
        .isEqualTo(80);
  }

  @Test
  void theSchemeOfTheEndpointPicksTheVariable() {
    Map<String, String> env = Map.of("HTTPS_PROXY", "http://p:3128");
    assertThat(ProxySelection.resolve("http", env::get, NONE).routeFor("moto.example")).isEmpty();
    assertThat(https(env, Map.of()).routeFor(EBS)).isPresent();
    assertThat(
            ProxySelection.resolve("http", Map.of("HTTP_PROXY", "http://p:3128")::get, NONE)
                .routeFor("moto.example"))
        .isPresent();
  }

  @Test
  void noProxyEntriesAndLoopback() {
    ProxySelection s =
        https(
            Map.of(
                "HTTPS_PROXY", "http://p:3128",
                "no_proxy", " .internal.corp, s3.amazonaws.com:443, *.vpce.example,[fd00::1]"),
            Map.of());
    assertThat(s.routeFor("a.internal.corp")).isEmpty();
    assertThat(s.routeFor("internal.corp")).isEmpty();
    assertThat(s.routeFor("s3.amazonaws.com")).isEmpty();
    assertThat(s.routeFor("bucket.s3.amazonaws.com")).isEmpty();
    assertThat(s.routeFor("x.vpce.example")).isEmpty();
    assertThat(s.routeFor("fd00::1")).isEmpty();
    assertThat(s.routeFor("notinternal.corp")).isPresent();
    assertThat(s.routeFor(EBS)).isPresent();
    for (String loopback :
        new String[] {"localhost", "127.0.0.1", "127.1.2.3", "[::1]", "a.localhost"}) {
      assertThat(s.routeFor(loopback)).as(loopback).isEmpty();
    }
    assertThat(https(Map.of("HTTPS_PROXY", "http://p:1", "NO_PROXY", "*"), Map.of()).routeFor(EBS))
        .isEmpty();
  }

  @Test
  void jvmPropertiesComeFirstWithTheirOwnExclusions() {
    ProxySelection s =
        https(
            Map.of("HTTPS_PROXY", "http://env-proxy:1"),
            Map.of(
                "https.proxyHost", "jvm-proxy",
                "https.proxyPort", "8080",
                "https.proxyUser", "bob",
                "https.proxyPassword", "pw",
                "http.nonProxyHosts", "*.amazonaws.com.cn|intranet"));
    ProxyRoute r = s.routeFor(EBS).orElseThrow();
    assertThat(r.address()).isEqualTo("jvm-proxy:8080");
    assertThat(r.source()).isEqualTo("https.proxyHost");
    assertThat(r.username()).isEqualTo("bob");
    assertThat(s.routeFor("ec2.cn-north-1.amazonaws.com.cn")).isEmpty();
    assertThat(s.routeFor("intranet")).isEmpty();
  }

  @Test
  void theSdkGetsTheSameExclusions() {
    ProxySelection s =
        https(Map.of("HTTPS_PROXY", "http://p:3128", "NO_PROXY", ".internal.corp"), Map.of());
    for (String host : new String[] {"a.internal.corp", "localhost", EBS}) {
      boolean sdkBypasses =
          s.bypassPatterns().stream().anyMatch(p -> Pattern.compile(p).matcher(host).matches());
      assertThat(sdkBypasses).as(host).isEqualTo(s.routeFor(host).isEmpty());
    }
  }

  @Test
  void badSettingsAreNamedWithoutTheirValue() {
    assertThatThrownBy(() -> https(Map.of("HTTPS_PROXY", "http://u:hunter2@/x y"), Map.of()))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("HTTPS_PROXY is not a proxy URL")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> https(Map.of("HTTPS_PROXY", "socks5://p:1080"), Map.of()))
        .hasMessageContaining("socks5://")
        .hasMessageContaining("http://");
    assertThatThrownBy(
            () -> https(Map.of(), Map.of("https.proxyHost", "p", "https.proxyPort", "eighty")))
        .hasMessageContaining("https.proxyPort");
  }
}
