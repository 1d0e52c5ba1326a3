package dev.unideploy.provider.azure.state;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.net.URL;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * How a Blob service request proves who sends it: a Shared Key signature, an Entra ID bearer token,
 * or a SAS in the query
 * (https://learn.microsoft.com/rest/api/storageservices/authorize-requests-to-azure-storage).
 */
interface BlobAuthorization {

  /** The SAS query to append to every URL (without {@code ?}), or null. */
  default String sasQuery() {
    return null;
  }

  /**
   * Adds the {@code Authorization} header to {@code headers}, which must be exactly the headers the
   * request sends besides the HTTP client's own (Host, User-Agent, Accept, Connection).
   */
  void sign(URL url, String method, Map<String, String> headers);

  /**
   * Signs with the account key. The SDK's public signer builds the canonical string
   * (https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key): no
   * hand-written canonicalisation here.
   */
  static BlobAuthorization sharedKey(StorageSharedKeyCredential key) {
    return (url, method, headers) ->
        headers.put("Authorization", key.generateAuthorizationHeader(url, method, headers));
  }

  /** A SAS grants access by itself: nothing to sign. */
  static BlobAuthorization sas(String query) {
    return new BlobAuthorization() {
      @Override
      public String sasQuery() {
        return query;
      }

      @Override
      public void sign(URL url, String method, Map<String, String> headers) {}
    };
  }

  /** An Entra ID token for Azure Storage, fetched once and again shortly before it expires. */
  static BlobAuthorization bearer(TokenCredential credential) {
    return new Bearer(credential);
  }

  /** Caches the token: asking Entra ID for each request would double the calls. */
  final class Bearer implements BlobAuthorization {
    private static final TokenRequestContext STORAGE =
        new TokenRequestContext().addScopes("https://storage.azure.com/.default");
    private static final Duration EARLY = Duration.ofMinutes(5);

    private final TokenCredential credential;
    private AccessToken token;

    Bearer(TokenCredential credential) {
      this.credential = credential;
    }

    @Override
    public void sign(URL url, String method, Map<String, String> headers) {
      if (!"https".equals(url.getProtocol())) {
        // The SDK refuses too: a token must never cross the network in clear text.
        throw new IllegalStateException("an Entra ID token is only sent over https");
      }
      headers.put("Authorization", "Bearer " + token());
    }

    private synchronized String token() {
      if (token == null || token.getExpiresAt().minus(EARLY).isBefore(OffsetDateTime.now())) {
        token = credential.getTokenSync(STORAGE);
      }
      return token.getToken();
    }
  }
}
