package dev.unideploy.it.aws.publish;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every SDK request the provider makes (operation, region, request object), so tests can
 * assert what moto ignores (RegisterImage's BDM, ENA, boot mode...) and count mutating calls.
 */
final class RequestRecorder implements ExecutionInterceptor {

  /** One request as the provider sent it. */
  record Call(String operation, String region, SdkRequest request) {}

  private final List<Call> calls = new ArrayList<>();

  @Override
  public synchronized void beforeExecution(
      Context.BeforeExecution context, ExecutionAttributes attributes) {
    calls.add(
        new Call(
            attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
            attributes.getAttribute(AwsExecutionAttribute.AWS_REGION).id(),
            context.request()));
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized void clear() {
    calls.clear();
  }

  /** The requests of one operation, in order. */
  <T extends SdkRequest> List<T> requests(String operation, Class<T> type) {
    return calls().stream()
        .filter(c -> c.operation().equals(operation))
        .map(c -> type.cast(c.request()))
        .toList();
  }

  /** Calls that create or change something (everything but Describe*, Get*, List*). */
  List<Call> mutating() {
    return calls().stream()
        .filter(
            c ->
                !(c.operation().startsWith("Describe")
                    || c.operation().startsWith("Get")
                    || c.operation().startsWith("List")))
        .toList();
  }
}
