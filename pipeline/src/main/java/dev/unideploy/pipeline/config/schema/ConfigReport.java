package dev.unideploy.pipeline.config.schema;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** The result document of {@code unideploy config validate}: every problem, in file order. */
@JsonPropertyOrder({"file", "valid", "problems"})
public record ConfigReport(String file, List<ConfigProblem> problems) {
  public ConfigReport {
    problems = List.copyOf(problems);
  }

  @JsonProperty("valid")
  public boolean valid() {
    return problems.isEmpty();
  }
}
