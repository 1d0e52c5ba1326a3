package dev.unideploy.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON writer of result documents ({@code --output json}, the GitHub Action's outputs), so
 * that every result looks the same: records in their declared order, times as ISO-8601 text.
 */
public final class ResultJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ResultJson() {}

  public static String write(Object result) {
    try {
      return MAPPER.writeValueAsString(result);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("result is not serialisable as JSON: " + e.getMessage(), e);
    }
  }

  public static JsonNode tree(Object result) {
    return MAPPER.valueToTree(result);
  }
}
