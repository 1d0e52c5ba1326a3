package dev.unideploy.pipeline.config.schema;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong in a config file, where it is and, for a misspelled key, what was probably meant.
 *
 * @param path the key's path in the document, such as {@code deploy.ports[0]} (empty: the whole
 *     file)
 * @param suggestion the known key closest to a misspelled one, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConfigProblem(int line, int column, String path, String message, String suggestion) {

  /** {@code file:line:column: message; did you mean 'x'?}, the form editors and CI logs link. */
  public String describe(String file) {
    return file
        + ":"
        + line
        + ":"
        + column
        + ": "
        + message
        + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?");
  }
}
