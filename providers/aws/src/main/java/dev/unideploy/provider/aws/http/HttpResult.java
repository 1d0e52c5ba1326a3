package dev.unideploy.provider.aws.http;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP response as {@link PooledHttpClient} read it: status, headers (names lower-cased, the
 * last value of a repeated header) and the whole body.
 */
public record HttpResult(int status, Map<String, String> headers, byte[] body) {
  public HttpResult {
    headers = Map.copyOf(headers);
  }

  /** The value of header {@code name}, matched without regard to case. */
  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
  }
}
