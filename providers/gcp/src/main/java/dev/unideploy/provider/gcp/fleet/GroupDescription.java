package dev.unideploy.provider.gcp.fleet;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What unideploy writes into a managed instance group's and an instance template's description:
 * managed instance groups and templates carry no labels, so the description is how a later run
 * finds the app's groups again and learns the release, image and ports of each.
 *
 * <p>Format: {@code managed-by: unideploy; app=web; version=1.2.0;
 * image=projects/p/global/images/x; ports=80,8080}, values URL-encoded.
 */
record GroupDescription(String app, String version, String imageId, List<Integer> ports) {
  static final String MARKER = "managed-by: unideploy";
  private static final Pattern FIELD = Pattern.compile("(\\w+)=([^;\\s]*)");

  GroupDescription {
    ports = List.copyOf(ports);
  }

  String text() {
    StringBuilder sb = new StringBuilder(MARKER);
    Map<String, String> fields = new TreeMap<>();
    fields.put("app", app);
    fields.put("version", version == null ? "" : version);
    fields.put("image", imageId);
    List<String> p = new ArrayList<>();
    ports.forEach(n -> p.add(Integer.toString(n)));
    fields.put("ports", String.join(",", p));
    fields.forEach(
        (k, v) ->
            sb.append("; ")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return sb.toString();
  }

  /** The description of one of our groups, or empty for anything else. */
  static Optional<GroupDescription> parse(String text) {
    if (text == null || !text.startsWith(MARKER)) {
      return Optional.empty();
    }
    Map<String, String> fields = new TreeMap<>();
    Matcher m = FIELD.matcher(text);
    while (m.find()) {
      fields.put(m.group(1), URLDecoder.decode(m.group(2), StandardCharsets.UTF_8));
    }
    if (!fields.containsKey("app") || !fields.containsKey("image")) {
      return Optional.empty();
    }
    List<Integer> ports = new ArrayList<>();
    for (String p : fields.getOrDefault("ports", "").split(",")) {
      if (p.matches("\\d{1,5}")) {
        ports.add(Integer.parseInt(p));
      }
    }
    String version = fields.getOrDefault("version", "");
    return Optional.of(
        new GroupDescription(
            fields.get("app"), version.isEmpty() ? null : version, fields.get("image"), ports));
  }
}
