package dev.unideploy.pipeline.rollout;

import java.util.List;

/**
 * One instance as a health gate last judged it.
 *
 * @param state starting, healthy or failed
 * @param detail the evidence: the readiness line seen, the probe answers, or why it failed
 * @param consoleTail the last console lines read, shown when it failed
 */
public record InstanceReport(String id, String state, String detail, List<String> consoleTail) {
  public InstanceReport {
    consoleTail = List.copyOf(consoleTail);
  }
}
