package dev.unideploy.it.aws.publish;

import software.amazon.awssdk.awscore.AwsExecutionAttribute;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;

/** Makes one operation fail in one region as AWS would when the role lacks the permission there. */
final class FailingInterceptor implements ExecutionInterceptor {
  private final String operation;
  private final String region;

  FailingInterceptor(String operation, String region) {
    this.operation = operation;
    this.region = region;
  }

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    if (operation.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
        && region.equals(attributes.getAttribute(AwsExecutionAttribute.AWS_REGION).id())) {
      throw Ec2Exception.builder()
          .statusCode(403)
          .message("injected by the test")
          .awsErrorDetails(
              AwsErrorDetails.builder()
                  .errorCode("UnauthorizedOperation")
                  .errorMessage("You are not authorized to perform this operation (test).")
                  .build())
          .build();
    }
  }
}
