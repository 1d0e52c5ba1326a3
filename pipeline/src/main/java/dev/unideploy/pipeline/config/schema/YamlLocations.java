package dev.unideploy.pipeline.config.schema;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each key and list item of a YAML document starts (line and column, from 1), by its path
 * ({@code /deploy/ports/0}): the tree Jackson builds has no locations, so the document is streamed
 * once more to map the problems a schema finds in the tree back to the text.
 */
final class YamlLocations {
  /** A line and column in the file, both counted from 1. */
  record Position(int line, int column) {
    static final Position START = new Position(1, 1);
  }

  private final Map<String, Position> byPath;

  private YamlLocations(Map<String, Position> byPath) {
    this.byPath = byPath;
  }

  static YamlLocations parse(String yaml) throws IOException {
    Map<String, Position> map = new HashMap<>();
    // Each open container: its path, and for a list the index of the next item.
    Deque<String> paths = new ArrayDeque<>();
    Deque<int[]> indexes = new ArrayDeque<>();
    String pendingKey = null;
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        String parent = paths.peek();
        if (t == JsonToken.FIELD_NAME) {
          pendingKey = parent + "/" + escape(p.currentName());
          map.putIfAbsent(pendingKey, position(p.currentTokenLocation()));
          continue;
        }
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          paths.pop();
          indexes.pop();
          pendingKey = null;
          continue;
        }
        String here;
        if (parent == null) {
          here = "";
        } else if (indexes.peek()[0] >= 0) {
          here = parent + "/" + indexes.peek()[0]++;
          map.putIfAbsent(here, position(p.currentTokenLocation()));
        } else {
          here = pendingKey;
        }
        pendingKey = null;
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          paths.push(here);
          indexes.push(new int[] {t == JsonToken.START_ARRAY ? 0 : -1});
        }
      }
    }
    return new YamlLocations(map);
  }

  /** Whether the document has a key or item at {@code path}. */
  boolean has(String path) {
    return byPath.containsKey(path);
  }

  /**
   * The position of {@code path}, or of its nearest ancestor that has one (the document's start for
   * the root).
   */
  Position of(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Position found = byPath.get(p);
      if (found != null) {
        return found;
      }
      p = p.substring(0, p.lastIndexOf('/'));
    }
    return Position.START;
  }

  private static Position position(JsonLocation l) {
    return new Position(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
  }

  /** JSON Pointer escaping (RFC 6901), so that a key with a '/' stays one segment. */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
