package dev.unideploy.pipeline.config.schema;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.config.Names;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema (draft-07, what editors' YAML plugins read) of {@code unideploy.yaml}, generated
 * from the records the loader binds, so that the schema cannot drift from the code: key names from
 * {@code @JsonProperty}, types from the components, enum values from what each enum's parser
 * accepts, defaults from what a record's constructor fills in when a key is absent, and
 * descriptions from {@code @JsonPropertyDescription}.
 *
 * <p>A property type the generator does not know is an error, not a silent "any": a new setting
 * must show in the schema.
 */
public final class ConfigSchema {
  /** Draft-07: the newest draft that the YAML language server and most editors fully support. */
  public static final String DRAFT = "http://json-schema.org/draft-07/schema#";

  /** Where the schema is shipped in the repository, relative to the repository root. */
  public static final String REPOSITORY_FILE = "config-samples/unideploy.schema.json";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  // DurationText: a count with an optional unit, or ISO-8601 (PT15M, P1DT2H), any case.
  static final String DURATION_PATTERN =
      "^(\\d+\\s*(ms|s|m|h|d|MS|S|M|H|D)?|[Pp](\\d+[Dd])?([Tt](\\d+[Hh])?(\\d+[Mm])?(\\d+(\\.\\d+)?[Ss])?)?)$";

  private ConfigSchema() {}

  /**
   * The schema of the whole file.
   *
   * @param providerSettings each provider's name and the record its section binds to (null: the
   *     provider declares no type, and its section is any object)
   */
  public static ObjectNode generate(Map<String, Class<?>> providerSettings) {
    ObjectNode root = JSON.objectNode();
    root.put("$schema", DRAFT);
    root.put("$id", "https://unideploy.dev/schema/unideploy.schema.json");
    root.put("title", "unideploy.yaml");
    root.put(
        "description",
        "Configuration of unideploy: the app, its image, how it is published, health-checked and"
            + " deployed, and one section per provider. Every key: docs/configuration.md.");
    ObjectNode body = objectOf(DeployConfig.class, root);
    ObjectNode providers = (ObjectNode) body.get("properties").get("providers");
    providers.remove("type");
    providers.put("type", "object");
    providers.put(
        "description",
        "One section per provider, read only by that provider (the one --provider names).");
    ObjectNode each = providers.putObject("properties");
    providerSettings.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              if (e.getValue() == null) {
                each.putObject(e.getKey()).put("type", "object");
              } else {
                ObjectNode section = schemaOf(e.getValue(), e.getValue());
                section.put("description", "Settings of the " + e.getKey() + " provider.");
                each.set(e.getKey(), section);
              }
            });
    providers.put("additionalProperties", false);
    ObjectNode app = (ObjectNode) body.get("properties").get("app");
    app.put("pattern", "^" + Names.APP_PATTERN + "$");
    ObjectNode version = (ObjectNode) body.get("properties").get("version");
    version.put("pattern", "^(?!.*\\.\\.)" + Names.VERSION_PATTERN + "$");
    return root;
  }

  private static ObjectNode durationSchema() {
    ObjectNode d = JSON.objectNode();
    d.put(
        "description",
        "A duration: 90s, 15m, 2h, 30d, 500ms, ISO-8601 (PT15M), or a bare number of seconds.");
    ArrayNode any = d.putArray("anyOf");
    any.addObject().put("type", "integer").put("minimum", 0);
    any.addObject().put("type", "string").put("pattern", DURATION_PATTERN);
    return d;
  }

  /** An object schema for a record, written into {@code into}. */
  private static ObjectNode objectOf(Class<?> type, ObjectNode into) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException(
          type.getName() + " is not a record: the config schema is generated from records only");
    }
    into.put("type", "object");
    ObjectNode properties = into.putObject("properties");
    Object defaults = defaultsOf(type);
    for (RecordComponent c : type.getRecordComponents()) {
      if (c.getAccessor().isAnnotationPresent(JsonIgnore.class)) {
        continue;
      }
      ObjectNode p = schemaOf(c.getGenericType(), type);
      JsonPropertyDescription description = annotation(c, JsonPropertyDescription.class);
      if (description != null) {
        p.put("description", description.value());
      }
      if (defaults != null) {
        JsonNode value = defaultValue(read(c.getAccessor(), defaults));
        if (value != null) {
          p.set("default", value);
        }
      }
      properties.set(nameOf(c), p);
    }
    into.put("additionalProperties", false);
    return into;
  }

  static String nameOf(RecordComponent c) {
    JsonProperty p = annotation(c, JsonProperty.class);
    return p == null || p.value().isEmpty() ? c.getName() : p.value();
  }

  private static <A extends java.lang.annotation.Annotation> A annotation(
      RecordComponent c, Class<A> type) {
    A a = c.getAnnotation(type);
    if (a == null) {
      a = c.getAccessor().getAnnotation(type);
    }
    if (a == null) {
      try {
        a = c.getDeclaringRecord().getDeclaredField(c.getName()).getAnnotation(type);
      } catch (NoSuchFieldException e) {
        // A record always has the field; nothing to read otherwise.
      }
    }
    return a;
  }

  private static ObjectNode schemaOf(Type type, Class<?> owner) {
    if (type instanceof ParameterizedType pt) {
      Class<?> raw = (Class<?>) pt.getRawType();
      Type[] args = pt.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw) || Set.class.isAssignableFrom(raw)) {
        ObjectNode a = JSON.objectNode().put("type", "array");
        a.set("items", schemaOf(args[0], owner));
        return a;
      }
      if (Map.class.isAssignableFrom(raw) && args[0] == String.class) {
        ObjectNode m = JSON.objectNode().put("type", "object");
        m.set("additionalProperties", schemaOf(args[1], owner));
        return m;
      }
      throw unknown(type, owner);
    }
    Class<?> c = (Class<?>) type;
    if (c == String.class) {
      return JSON.objectNode().put("type", "string");
    }
    if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
      return JSON.objectNode().put("type", "integer");
    }
    if (c == Double.class || c == double.class) {
      return JSON.objectNode().put("type", "number");
    }
    if (c == Boolean.class || c == boolean.class) {
      return JSON.objectNode().put("type", "boolean");
    }
    if (c == Duration.class) {
      // Inline rather than a $ref: draft-07 ignores a description or default next to a $ref.
      return durationSchema();
    }
    if (c == URI.class) {
      return JSON.objectNode().put("type", "string").put("format", "uri");
    }
    if (c == java.nio.file.Path.class) {
      return JSON.objectNode().put("type", "string");
    }
    if (c.isEnum()) {
      ObjectNode e = JSON.objectNode().put("type", "string");
      ArrayNode values = e.putArray("enum");
      for (Object constant : c.getEnumConstants()) {
        values.add(spelling((Enum<?>) constant));
      }
      return e;
    }
    if (JsonNode.class.isAssignableFrom(c)) {
      return JSON.objectNode().put("type", "object");
    }
    if (c.isRecord()) {
      ObjectNode object = objectOf(c, JSON.objectNode());
      if (!takesAString(c)) {
        return object;
      }
      // A record with a delegating String creator also accepts a scalar shorthand
      // ("- eastus" for "- {name: eastus}").
      ObjectNode either = JSON.objectNode();
      either.putArray("anyOf").add(JSON.objectNode().put("type", "string")).add(object);
      return either;
    }
    throw unknown(type, owner);
  }

  private static IllegalArgumentException unknown(Type type, Class<?> owner) {
    return new IllegalArgumentException(
        "the config schema generator does not know the type "
            + type.getTypeName()
            + " (in "
            + owner.getName()
            + "): teach ConfigSchema how it is written in YAML");
  }

  /**
   * How a person writes an enum constant: the first of {@code blue-green}, {@code blue_green},
   * {@code BLUE_GREEN} that the enum's own {@code @JsonCreator} parser accepts.
   */
  static String spelling(Enum<?> constant) {
    String name = constant.name();
    Set<String> candidates = new LinkedHashSet<>();
    candidates.add(name.toLowerCase(Locale.ROOT).replace('_', '-'));
    candidates.add(name.toLowerCase(Locale.ROOT));
    candidates.add(name);
    Method parser = parserOf(constant.getDeclaringClass());
    if (parser == null) {
      return name;
    }
    for (String candidate : candidates) {
      try {
        if (parser.invoke(null, candidate) == constant) {
          return candidate;
        }
      } catch (IllegalAccessException | InvocationTargetException e) {
        // Not a spelling the parser takes: try the next.
      }
    }
    return name;
  }

  private static boolean takesAString(Class<?> record) {
    for (Method m : record.getMethods()) {
      com.fasterxml.jackson.annotation.JsonCreator creator =
          m.getAnnotation(com.fasterxml.jackson.annotation.JsonCreator.class);
      if (creator != null
          && Modifier.isStatic(m.getModifiers())
          && creator.mode() == com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING
          && m.getParameterCount() == 1
          && m.getParameterTypes()[0] == String.class) {
        return true;
      }
    }
    return false;
  }

  private static Method parserOf(Class<?> enumType) {
    for (Method m : enumType.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())
          && m.isAnnotationPresent(com.fasterxml.jackson.annotation.JsonCreator.class)
          && m.getParameterCount() == 1
          && m.getParameterTypes()[0] == String.class) {
        return m;
      }
    }
    return null;
  }

  /** The record a constructor makes from an empty section, or null when it needs some key. */
  private static Object defaultsOf(Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      args[i] = zeroOf(types[i]);
    }
    try {
      Constructor<?> canonical = type.getDeclaredConstructor(types);
      canonical.setAccessible(true);
      return canonical.newInstance(args);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static Object zeroOf(Class<?> t) {
    if (!t.isPrimitive()) {
      return null;
    }
    if (t == boolean.class) {
      return false;
    }
    if (t == double.class) {
      return 0.0;
    }
    if (t == long.class) {
      return 0L;
    }
    return 0;
  }

  private static Object read(Method accessor, Object record) {
    try {
      accessor.setAccessible(true);
      return accessor.invoke(record);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /** A default as YAML shows it; null for values that are not worth a default (objects). */
  static JsonNode defaultValue(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return JSON.textNode(s);
    }
    if (v instanceof Boolean b) {
      return JSON.booleanNode(b);
    }
    if (v instanceof Integer i) {
      return JSON.numberNode(i);
    }
    if (v instanceof Long l) {
      return JSON.numberNode(l);
    }
    if (v instanceof Double d) {
      return JSON.numberNode(d);
    }
    if (v instanceof Enum<?> e) {
      return JSON.textNode(spelling(e));
    }
    if (v instanceof Duration d) {
      return JSON.textNode(durationText(d));
    }
    if (v instanceof List<?> list) {
      ArrayNode a = JSON.arrayNode();
      for (Object o : list) {
        JsonNode n = defaultValue(o);
        if (n == null) {
          return null;
        }
        a.add(n);
      }
      return a;
    }
    if (v instanceof Map<?, ?> m && m.isEmpty()) {
      return JSON.objectNode();
    }
    return null;
  }

  /** The shortest of 90s / 15m / 2h / 30d / 500ms that is exactly {@code d}. */
  static String durationText(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    List<Object[]> units = new ArrayList<>();
    units.add(new Object[] {86400L, "d"});
    units.add(new Object[] {3600L, "h"});
    units.add(new Object[] {60L, "m"});
    for (Object[] u : units) {
      long size = (Long) u[0];
      if (s != 0 && s % size == 0) {
        return (s / size) + (String) u[1];
      }
    }
    return s + "s";
  }
}
