package dev.unideploy.pipeline.config.schema;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.DeploySettings;
import dev.unideploy.pipeline.config.HealthSettings;
import dev.unideploy.pipeline.config.Names;
import dev.unideploy.pipeline.config.PublishSettings;
import dev.unideploy.pipeline.spi.Provider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a config file and reports every problem at once, each with its line and column: first
 * against the {@link ConfigSchema} (unknown keys, with the known key a misspelling probably meant;
 * wrong types; values outside an enum or pattern), then, section by section, by binding it as a run
 * would (the checks that only code can make, such as a region name's shape or a regex that does not
 * compile). A section the schema already faulted is not bound again, so a problem is told once.
 */
public final class ConfigValidator {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Provider-neutral sections and the records they bind to. */
  private static final Map<String, Class<?>> SECTIONS =
      Map.of(
          "publish", PublishSettings.class,
          "health", HealthSettings.class,
          "deploy", DeploySettings.class);

  private final Map<String, Provider> providers = new LinkedHashMap<>();
  private final ObjectNode schema;
  private final JsonSchema compiled;

  private ConfigValidator(Collection<Provider> all) {
    Map<String, Class<?>> types = new LinkedHashMap<>();
    for (Provider p : all) {
      providers.put(p.name(), p);
      types.put(p.name(), p.settingsType());
    }
    schema = ConfigSchema.generate(types);
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .locale(Locale.ENGLISH)
            .formatAssertionsEnabled(true)
            .build();
    compiled = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema, config);
  }

  /** A validator for these providers (normally every provider ServiceLoader finds). */
  public static ConfigValidator forProviders(Collection<Provider> providers) {
    return new ConfigValidator(providers);
  }

  /** The schema this validator checks against. */
  public ObjectNode schema() {
    return schema.deepCopy();
  }

  /** Every problem in {@code text}, the content of the file called {@code file}. */
  public ConfigReport validate(String file, String text) {
    JsonNode tree;
    YamlLocations locations;
    try {
      tree = YAML.readTree(text);
      locations = YamlLocations.parse(text);
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      int line = l == null ? 1 : Math.max(1, l.getLineNr());
      int column = l == null ? 1 : Math.max(1, l.getColumnNr());
      return new ConfigReport(
          file,
          List.of(
              new ConfigProblem(
                  line, column, "", "not valid YAML: " + firstLine(e.getOriginalMessage()), null)));
    } catch (IOException e) {
      throw new IllegalStateException("reading a string cannot fail", e);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return new ConfigReport(
          file,
          List.of(
              new ConfigProblem(
                  1, 1, "", "the file is empty: see config-samples/ for a start", null)));
    }
    List<Found> found = schemaProblems(tree, locations);
    List<ConfigProblem> problems = new ArrayList<>();
    found.forEach(f -> problems.add(f.problem()));
    problems.addAll(bindingProblems(tree, locations, found));
    problems.sort(
        Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
    return new ConfigReport(file, problems);
  }

  /** A schema problem and the JSON Pointer of the value it is about. */
  private record Found(ConfigProblem problem, String pointer) {}

  private List<Found> schemaProblems(JsonNode tree, YamlLocations locations) {
    List<Found> out = new ArrayList<>();
    // anyOf (durations) reports one message per alternative: tell the path once.
    Set<String> anyOfPaths = new LinkedHashSet<>();
    for (ValidationMessage m : compiled.validate(tree)) {
      String pointer = pointer(m.getInstanceLocation());
      String evaluation = m.getEvaluationPath().toString();
      if (m.getType().equals("additionalProperties")) {
        String key = m.getProperty();
        String keyPointer = pointer + "/" + YamlLocations.escape(key);
        YamlLocations.Position at = locations.of(keyPointer);
        List<String> known = knownKeys(pointer);
        out.add(
            found(
                keyPointer,
                at.line(),
                at.column(),
                "unknown key '"
                    + key
                    + "'"
                    + (pointer.isEmpty() ? "" : " in " + display(pointer))
                    + (known.isEmpty() ? "" : " (known keys: " + String.join(", ", known) + ")"),
                KeySuggestion.closest(key, known)));
        continue;
      }
      if (evaluation.contains("/anyOf/")) {
        if (anyOfPaths.add(pointer)) {
          YamlLocations.Position at = locations.of(pointer);
          out.add(
              found(
                  pointer,
                  at.line(),
                  at.column(),
                  display(pointer)
                      + ": '"
                      + tree.at(pointer).asText()
                      + "' is not a duration: write it like 90s, 15m, 2h, 30d or PT15M",
                  null));
        }
        continue;
      }
      YamlLocations.Position at = locations.of(pointer);
      out.add(found(pointer, at.line(), at.column(), reword(m, tree, pointer), null));
    }
    return out;
  }

  private static Found found(
      String pointer, int line, int column, String message, String suggestion) {
    return new Found(
        new ConfigProblem(line, column, display(pointer), message, suggestion), pointer);
  }

  /** networknt's message, with our path in front and a hint where YAML's typing bites. */
  private static String reword(ValidationMessage m, JsonNode tree, String pointer) {
    String text = m.getMessage();
    int colon = text.indexOf(": ");
    if (text.startsWith("/") || text.startsWith("$") || colon == 0) {
      text = colon >= 0 ? text.substring(colon + 2) : text;
    }
    String where = pointer.isEmpty() ? "the file" : display(pointer);
    JsonNode value = tree.at(pointer);
    if (m.getType().equals("pattern") && (pointer.equals("/app") || pointer.equals("/version"))) {
      try {
        // The rule's own words rather than its regex.
        if (pointer.equals("/app")) {
          Names.checkApp(value.asText());
        } else {
          Names.checkVersion(value.asText());
        }
      } catch (RuntimeException e) {
        return where + ": " + e.getMessage();
      }
    }
    if (m.getType().equals("type") && value.isNumber() && text.contains("string expected")) {
      return where + ": " + text + " (YAML reads " + value.asText() + " as a number: quote it)";
    }
    return where + ": " + text;
  }

  /** The keys the schema allows in the object at {@code pointer}. */
  private List<String> knownKeys(String pointer) {
    JsonNode s = schema;
    if (!pointer.isEmpty()) {
      for (String segment : pointer.substring(1).split("/", -1)) {
        if (s.has("properties") && s.get("properties").has(unescape(segment))) {
          s = s.get("properties").get(unescape(segment));
        } else if (s.has("items")) {
          s = s.get("items");
        } else if (s.get("additionalProperties") instanceof ObjectNode values) {
          s = values;
        } else {
          return List.of();
        }
      }
    }
    List<String> keys = new ArrayList<>();
    if (s.has("properties")) {
      s.get("properties").fieldNames().forEachRemaining(keys::add);
    }
    return keys;
  }

  private List<ConfigProblem> bindingProblems(
      JsonNode tree, YamlLocations locations, List<Found> schemaProblems) {
    List<ConfigProblem> out = new ArrayList<>();
    if (!tree.isObject()) {
      return out;
    }
    // What the schema faulted is taken out, so that binding reports only what it alone finds.
    ObjectNode pruned = tree.deepCopy();
    for (Found f : schemaProblems) {
      prune(pruned, f.pointer());
    }
    PublishSettings publish = null;
    for (Map.Entry<String, Class<?>> section : SECTIONS.entrySet()) {
      String name = section.getKey();
      JsonNode node = pruned.get(name);
      if (node == null || !node.isObject()) {
        continue;
      }
      try {
        Object bound = ConfigLoader.bind(node, section.getValue(), name);
        if (bound instanceof PublishSettings p) {
          publish = p;
        }
      } catch (RuntimeException e) {
        out.add(problem(e, "/" + name, locations));
      }
    }
    JsonNode sections = pruned.get("providers");
    if (sections == null || !sections.isObject()) {
      return out;
    }
    for (Map.Entry<String, Provider> p : providers.entrySet()) {
      String pointer = "/providers/" + YamlLocations.escape(p.getKey());
      JsonNode node = sections.get(p.getKey());
      if (node == null || !node.isObject()) {
        continue;
      }
      ObjectNode only = JsonNodeFactory.instance.objectNode();
      only.set(p.getKey(), node);
      try {
        p.getValue().validate(new DeployConfig(null, null, null, publish, null, null, null, only));
      } catch (RuntimeException e) {
        out.add(problem(e, pointer, locations));
      }
    }
    return out;
  }

  /** Removes the value at {@code pointer}; an array loses its whole value (indexes would shift). */
  private static void prune(ObjectNode root, String pointer) {
    if (pointer.isEmpty()) {
      return;
    }
    List<String> segments = List.of(pointer.substring(1).split("/", -1));
    JsonNode parent = root;
    JsonNode holder = null;
    String holderKey = null;
    for (int i = 0; i < segments.size() - 1; i++) {
      String s = unescape(segments.get(i));
      if (parent instanceof ObjectNode o && o.has(s)) {
        holder = parent;
        holderKey = s;
        parent = o.get(s);
      } else if (parent.isArray()) {
        break;
      } else {
        return;
      }
    }
    if (parent instanceof ObjectNode o) {
      o.remove(unescape(segments.get(segments.size() - 1)));
    } else if (parent.isArray() && holder instanceof ObjectNode h) {
      h.remove(holderKey);
    }
  }

  /** A binding failure, placed at the deepest key Jackson's path names. */
  private static ConfigProblem problem(
      RuntimeException e, String sectionPointer, YamlLocations locations) {
    String pointer = sectionPointer;
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonMappingException m && !m.getPath().isEmpty()) {
        StringBuilder sb = new StringBuilder(sectionPointer);
        for (JsonMappingException.Reference r : m.getPath()) {
          if (r.getFieldName() != null) {
            sb.append('/').append(YamlLocations.escape(r.getFieldName()));
          } else if (r.getIndex() >= 0) {
            sb.append('/').append(r.getIndex());
          }
        }
        pointer = sb.toString();
      }
      root = t;
    }
    String message =
        root instanceof IllegalArgumentException || root == e
            ? root.getMessage()
            : firstLine(root.getMessage());
    if (root instanceof JsonProcessingException j) {
      message = firstLine(j.getOriginalMessage());
    }
    if (message != null) {
      String named = keyNamedIn(message, sectionPointer, locations);
      if (named.startsWith(pointer) && named.length() > pointer.length()) {
        pointer = named;
      }
    }
    YamlLocations.Position at = locations.of(pointer);
    String flat = message == null ? "invalid" : message.replaceAll("\\s*\\R\\s*", " ");
    return new ConfigProblem(
        at.line(), at.column(), display(pointer), display(sectionPointer) + ": " + flat, null);
  }

  /**
   * The deepest key of the section that a record's own error message names ("deploy.keepPrevious
   * must be >= 0", "upload.method 'ftp' ..."): those checks run in constructors, which Jackson
   * places only at the section.
   */
  private static String keyNamedIn(String message, String section, YamlLocations locations) {
    String best = section;
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*")
            .matcher(message);
    String sectionName = section.substring(section.lastIndexOf('/') + 1);
    while (m.find()) {
      String token = m.group();
      if (token.startsWith(sectionName + ".")) {
        token = token.substring(sectionName.length() + 1);
      }
      String candidate = section + "/" + token.replace('.', '/');
      if (locations.has(candidate) && candidate.length() > best.length()) {
        best = candidate;
      }
    }
    return best;
  }

  private static String pointer(JsonNodePath path) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < path.getNameCount(); i++) {
      Object element = path.getElement(i);
      sb.append('/')
          .append(
              element instanceof Integer ? element.toString() : YamlLocations.escape("" + element));
    }
    return sb.toString();
  }

  /** {@code /deploy/ports/0} as a person writes it: {@code deploy.ports[0]}. */
  static String display(String pointer) {
    StringBuilder sb = new StringBuilder();
    if (pointer.isEmpty()) {
      return "";
    }
    for (String segment : pointer.substring(1).split("/", -1)) {
      if (segment.matches("\\d+")) {
        sb.append('[').append(segment).append(']');
      } else {
        sb.append(sb.length() == 0 ? "" : ".").append(unescape(segment));
      }
    }
    return sb.toString();
  }

  private static String unescape(String segment) {
    return segment.replace("~1", "/").replace("~0", "~");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
