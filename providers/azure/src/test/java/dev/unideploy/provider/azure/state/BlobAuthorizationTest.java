package dev.unideploy.provider.azure.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class BlobAuthorizationTest {

  /** Hands out tokens that expire {@code minutes} from now, and records what was asked. */
  private static final class CountingCredential implements TokenCredential {
    final List<List<String>> scopes = new ArrayList<>();
    long minutes;

    CountingCredential(long minutes) {
      this.minutes = minutes;
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
      return Mono.fromCallable(() -> getTokenSync(request));
    }

    @Override
    public AccessToken getTokenSync(TokenRequestContext request) {
      scopes.add(request.getScopes());
      return new AccessToken("token-" + scopes.size(), OffsetDateTime.now().plusMinutes(minutes));
    }
  }

  private static String sign(BlobAuthorization auth, String url) throws Exception {
    Map<String, String> headers = new HashMap<>();
    auth.sign(URI.create(url).toURL(), "GET", headers);
    return headers.get("Authorization");
  }

  @Test
  void aTokenForStorageIsFetchedOnceAndReusedUntilNearItsExpiry() throws Exception {
    CountingCredential credential = new CountingCredential(60);
    BlobAuthorization auth = BlobAuthorization.bearer(credential);
    String url = "https://acct.blob.core.windows.net/state/k";

    assertThat(sign(auth, url)).isEqualTo("Bearer token-1");
    assertThat(sign(auth, url)).isEqualTo("Bearer token-1");
    assertThat(credential.scopes).containsExactly(List.of("https://storage.azure.com/.default"));

    credential.minutes = 2; // the next token expires within the five-minute margin...
    BlobAuthorization soon = BlobAuthorization.bearer(credential);
    assertThat(sign(soon, url)).isEqualTo("Bearer token-2");
    assertThat(sign(soon, url)).isEqualTo("Bearer token-3"); // ...so it is fetched again
  }

  @Test
  void aTokenNeverGoesOutInClearText() {
    BlobAuthorization auth = BlobAuthorization.bearer(new CountingCredential(60));
    assertThatThrownBy(() -> sign(auth, "http://127.0.0.1:10000/acct/state/k"))
        .hasMessageContaining("only sent over https");
  }

  @Test
  void aSasSignsNothingAndOnlyAddsItsQuery() throws Exception {
    BlobAuthorization auth = BlobAuthorization.sas("sv=1&sig=x");
    assertThat(sign(auth, URI.create("https://a.blob.core.windows.net/c").toString())).isNull();
    assertThat(auth.sasQuery()).isEqualTo("sv=1&sig=x");
    assertThat(BlobAuthorization.sharedKey(null).sasQuery()).isNull();
  }
}
