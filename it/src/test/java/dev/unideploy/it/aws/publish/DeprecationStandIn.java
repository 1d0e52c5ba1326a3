package dev.unideploy.it.aws.publish;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.ec2.model.EnableImageDeprecationRequest;

/**
 * Answers EnableImageDeprecation, which moto does not implement, with EC2's success response, and
 * keeps the requests so the test can check them.
 */
final class DeprecationStandIn implements ExecutionInterceptor {
  private static final String OPERATION = "EnableImageDeprecation";
  private static final String OK =
      "<EnableImageDeprecationResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
          + "<requestId>stand-in</requestId><return>true</return>"
          + "</EnableImageDeprecationResponse>";

  private final List<EnableImageDeprecationRequest> requests = new ArrayList<>();

  @Override
  public synchronized void beforeExecution(
      Context.BeforeExecution context, ExecutionAttributes attributes) {
    if (context.request() instanceof EnableImageDeprecationRequest r) {
      requests.add(r);
    }
  }

  @Override
  public SdkHttpResponse modifyHttpResponse(
      Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
    if (!OPERATION.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
      return context.httpResponse();
    }
    return context.httpResponse().toBuilder().statusCode(200).statusText("OK").build();
  }

  @Override
  public Optional<InputStream> modifyHttpResponseContent(
      Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
    if (!OPERATION.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
      return context.responseBody();
    }
    return Optional.of(new ByteArrayInputStream(OK.getBytes(StandardCharsets.UTF_8)));
  }

  synchronized List<EnableImageDeprecationRequest> requests() {
    return List.copyOf(requests);
  }
}
