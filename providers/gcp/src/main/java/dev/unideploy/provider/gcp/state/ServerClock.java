package dev.unideploy.provider.gcp.state;

import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponseInterceptor;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Cloud Storage's own clock, read from the {@code Date} header of its answers. Lease ages compare
 * an object's {@code updated} time with the store's "now"; the Java client exposes no response
 * headers, so this transport option adds a response interceptor to every request it initialises.
 */
final class ServerClock extends HttpTransportOptions {
  private static final long serialVersionUID = 1L;

  /** Store time minus this machine's time, from the latest answer; zero until the first. */
  private volatile Duration offset = Duration.ZERO;

  ServerClock(Duration connectTimeout, Duration readTimeout) {
    super(
        HttpTransportOptions.newBuilder()
            .setConnectTimeout((int) connectTimeout.toMillis())
            .setReadTimeout((int) readTimeout.toMillis()));
  }

  /** The store's time now, as far as its last answer tells. */
  Instant now() {
    return Instant.now().plus(offset);
  }

  @Override
  public HttpRequestInitializer getHttpRequestInitializer(ServiceOptions<?, ?> options) {
    HttpRequestInitializer base = super.getHttpRequestInitializer(options);
    return request -> {
      base.initialize(request);
      HttpResponseInterceptor earlier = request.getResponseInterceptor();
      request.setResponseInterceptor(
          response -> {
            if (earlier != null) {
              earlier.interceptResponse(response);
            }
            record(response.getHeaders().getDate());
          });
    };
  }

  private void record(String date) {
    if (date == null) {
      return;
    }
    try {
      Instant server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      offset = Duration.between(Instant.now(), server);
    } catch (DateTimeParseException e) {
      // Not a date: keep the last offset.
    }
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
