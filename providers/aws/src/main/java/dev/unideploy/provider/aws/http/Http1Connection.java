package dev.unideploy.provider.aws.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 connection (plain or TLS) that sends a request with a body already in memory and
 * reads the whole response (Content-Length, chunked, or to the end of the stream), within the
 * limits a small API response needs: anything larger is a protocol error, never an unbounded read.
 *
 * <p>Messages follow RFC 9112 (https://www.rfc-editor.org/rfc/rfc9112). Not thread-safe: the pool
 * lends a connection to one exchange at a time.
 */
final class Http1Connection implements AutoCloseable {
  static final int MAX_LINE = 16 * 1024;
  static final int MAX_HEADERS = 128;

  /** The default limit of a response body: API answers are far smaller. */
  static final int MAX_BODY = 4 * 1024 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  // Our own read buffer: lines are cut out of it in bulk instead of one synchronized read() per
  // byte through a BufferedInputStream (this runs for every block, mostly before the JIT).
  private final byte[] buf = new byte[8192];
  private int pos;
  private int lim;
  private boolean reusable = true;

  /** The last body had no length and ran to the end of the stream: the connection is spent. */
  private boolean readToEnd;

  private Http1Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /**
   * Connects to {@code host:port}, directly or through a tunnel that {@code proxy} opens; with
   * {@code tls} non-null, as TLS with host name checks (end to end: a proxy sees only the tunnel).
   */
  static Http1Connection open(
      String host, int port, SSLSocketFactory tls, int connectTimeoutMillis, ProxyRoute proxy)
      throws IOException {
    Socket plain = new Socket();
    try {
      plain.setTcpNoDelay(true); // the head and the body go as two writes: no Nagle stall
      plain.setKeepAlive(true);
      if (proxy == null) {
        plain.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
      } else {
        plain.connect(new InetSocketAddress(proxy.host(), proxy.port()), connectTimeoutMillis);
        ProxyTunnel.open(plain, host, port, proxy, connectTimeoutMillis);
      }
      if (tls == null) {
        return new Http1Connection(plain);
      }
      SSLSocket ssl = (SSLSocket) tls.createSocket(plain, host, port, true);
      SSLParameters params = ssl.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
      ssl.setSSLParameters(params);
      ssl.setSoTimeout(connectTimeoutMillis);
      ssl.startHandshake();
      return new Http1Connection(ssl);
    } catch (IOException | RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  /** Whether the connection can carry another exchange after the last one. */
  boolean reusable() {
    return reusable && !socket.isClosed();
  }

  /**
   * Sends the request and reads the response. {@code headers} must not hold Host, Content-Length,
   * Connection or Transfer-Encoding: this class writes those.
   *
   * @param readTimeoutMillis the longest wait for any single read
   * @param maxBody the largest response body read; a larger one fails with {@link
   *     ResponseTooLargeException} (and the connection is not reused)
   */
  HttpResult exchange(
      String method,
      String target,
      String host,
      Map<String, String> headers,
      byte[] body,
      int readTimeoutMillis,
      int maxBody)
      throws IOException {
    reusable = false; // until the whole response has been read
    for (int i = 0; i < target.length(); i++) {
      if (target.charAt(i) <= ' ' || target.charAt(i) >= 0x7f) {
        throw new IllegalArgumentException("request target holds a space or control character");
      }
    }
    headers.forEach(HeaderValues::checked);
    StringBuilder head = new StringBuilder(512);
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();

    socket.setSoTimeout(readTimeoutMillis);
    while (true) {
      String statusLine = readLine();
      int status = parseStatus(statusLine);
      Map<String, String> fields = readHeaders();
      if (status >= 100 && status < 200) {
        continue; // interim response (e.g. 100 Continue): the real one follows
      }
      byte[] content = readBody(method, status, fields, maxBody);
      boolean close =
          "close".equalsIgnoreCase(fields.get("connection")) || statusLine.startsWith("HTTP/1.0");
      // Bytes past the response would be read as the next one's start: do not reuse then.
      reusable = !close && !readToEnd && pos == lim;
      return new HttpResult(status, fields, content);
    }
  }

  private static int parseStatus(String line) throws ProtocolException {
    // "HTTP/1.1 201 Created"
    if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
      throw new ProtocolException("not an HTTP/1.x status line: " + printable(line));
    }
    try {
      return Integer.parseInt(line.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new ProtocolException("bad HTTP status code in: " + printable(line));
    }
  }

  private Map<String, String> readHeaders() throws IOException {
    Map<String, String> fields = new HashMap<>();
    for (int n = 0; ; n++) {
      String line = readLine();
      if (line.isEmpty()) {
        return fields;
      }
      if (n >= MAX_HEADERS) {
        throw new ProtocolException("more than " + MAX_HEADERS + " response headers");
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new ProtocolException("malformed response header: " + printable(line));
      }
      fields.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
  }

  private byte[] readBody(String method, int status, Map<String, String> fields, int maxBody)
      throws IOException {
    readToEnd = false;
    if (method.equals("HEAD") || status == 204 || status == 304) {
      return new byte[0];
    }
    String te = fields.get("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      return readChunked(maxBody);
    }
    String length = fields.get("content-length");
    if (length != null) {
      long n;
      try {
        n = Long.parseLong(length);
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad Content-Length: " + printable(length));
      }
      if (n < 0) {
        throw new ProtocolException("bad Content-Length: " + printable(length));
      }
      if (n > maxBody) {
        throw new ResponseTooLargeException(n, maxBody);
      }
      return readExactly((int) n);
    }
    readToEnd = true;
    return readLimited(maxBody);
  }

  private byte[] readChunked(int maxBody) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine();
      int semi = sizeLine.indexOf(';');
      String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
      int size;
      try {
        size = Integer.parseInt(hex, 16);
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad chunk size: " + printable(sizeLine));
      }
      if (size < 0) {
        throw new ProtocolException("bad chunk size: " + printable(sizeLine));
      }
      if (body.size() + (long) size > maxBody) {
        throw new ResponseTooLargeException(-1, maxBody);
      }
      if (size == 0) {
        readHeaders(); // trailers, if any, end with an empty line
        return body.toByteArray();
      }
      body.write(readExactly(size));
      if (!readLine().isEmpty()) {
        throw new ProtocolException("chunk not followed by CRLF");
      }
    }
  }

  private byte[] readExactly(int n) throws IOException {
    byte[] data = new byte[n];
    int have = Math.min(n, lim - pos);
    System.arraycopy(buf, pos, data, 0, have);
    pos += have;
    while (have < n) {
      int r = in.read(data, have, n - have);
      if (r < 0) {
        throw new EOFException("connection closed after " + have + " of " + n + " bytes");
      }
      have += r;
    }
    return data;
  }

  private byte[] readLimited(int maxBody) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(buf, pos, lim - pos);
    pos = lim;
    byte[] chunk = new byte[8192];
    for (int r; (r = in.read(chunk)) >= 0; ) {
      body.write(chunk, 0, r);
      if (body.size() > maxBody) {
        throw new ResponseTooLargeException(-1, maxBody);
      }
    }
    return body.toByteArray();
  }

  /** A CRLF- (or LF-) terminated line, without the terminator. */
  private String readLine() throws IOException {
    StringBuilder partial = null;
    while (true) {
      for (int i = pos; i < lim; i++) {
        if (buf[i] == '\n') {
          int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
          String piece = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
          pos = i + 1;
          if (partial == null) {
            return piece;
          }
          partial.append(piece);
          int len = partial.length();
          if (end == i && len > 0 && partial.charAt(len - 1) == '\r') {
            partial.setLength(len - 1); // the CR was the last byte of the previous read
          }
          if (partial.length() > MAX_LINE) {
            throw new ProtocolException("response line longer than " + MAX_LINE + " bytes");
          }
          return partial.toString();
        }
      }
      if (partial == null) {
        partial = new StringBuilder(64);
      }
      partial.append(new String(buf, pos, lim - pos, StandardCharsets.ISO_8859_1));
      if (partial.length() > MAX_LINE) {
        throw new ProtocolException("response line longer than " + MAX_LINE + " bytes");
      }
      pos = 0;
      lim = in.read(buf);
      if (lim < 0) {
        lim = 0;
        throw new EOFException(
            partial.length() == 0
                ? "connection closed by the server"
                : "connection closed mid-line");
      }
    }
  }

  private static String printable(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }

  @Override
  public void close() {
    reusable = false;
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a socket that is already broken: nothing left to release
    }
  }
}
