package dev.unideploy.it.gcp.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recorded HTTP log (the format of recordings/gcp/*.log): blocks separated by {@code ---}, each a
 * request line, request headers, a body, then a status line, response headers and a body.
 */
final class RecordedLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern STATUS = Pattern.compile("^(\\d{3}) .*");

  /** One recorded call. */
  record Exchange(
      int index, String method, String url, String requestBody, int status, JsonNode response) {
    /** The path and query, without scheme and host. */
    String pathAndQuery() {
      int start = url.indexOf('/', url.indexOf("//") + 2);
      return url.substring(start);
    }

    String path() {
      String p = pathAndQuery();
      int q = p.indexOf('?');
      return q < 0 ? p : p.substring(0, q);
    }

    boolean isCompute() {
      return path().startsWith("/compute/v1/");
    }

    boolean isOperationPoll() {
      return path().contains("/operations/")
          && (method.equals("GET") || method.equals("POST") && path().endsWith("/wait"));
    }

    @Override
    public String toString() {
      return "#" + index + " " + method + " " + path() + " -> " + status;
    }
  }

  private RecordedLog() {}

  static List<Exchange> read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Exchange> out = new ArrayList<>();
    int index = 0;
    for (String block : text.split("\n---\n")) {
      String[] lines = block.strip().split("\n", -1);
      if (lines.length == 0 || lines[0].isBlank()) {
        continue;
      }
      String[] request = lines[0].split(" ", 2);
      int i = 1;
      while (i < lines.length && !lines[i].isBlank()) {
        i++; // request headers
      }
      StringBuilder body = new StringBuilder();
      int status = -1;
      for (i++; i < lines.length; i++) {
        Matcher m = STATUS.matcher(lines[i]);
        if (m.matches()) {
          status = Integer.parseInt(m.group(1));
          break;
        }
        body.append(lines[i]).append('\n');
      }
      for (i++; i < lines.length && !lines[i].isBlank(); i++) {
        // response headers
      }
      StringBuilder response = new StringBuilder();
      for (i++; i < lines.length; i++) {
        response.append(lines[i]).append('\n');
      }
      try {
        JsonNode json = response.toString().isBlank() ? null : JSON.readTree(response.toString());
        String req = body.toString().strip();
        out.add(
            new Exchange(
                ++index, request[0], request[1], req.isEmpty() ? null : req, status, json));
      } catch (IOException e) {
        throw new UncheckedIOException("block " + (index + 1) + " of " + file, e);
      }
    }
    return out;
  }
}
