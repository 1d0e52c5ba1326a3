package dev.unideploy.provider.aws.clients;

import java.util.function.Supplier;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * Puts {@code x-amz-expected-bucket-owner} (the caller's own account) on every S3 request, so S3
 * refuses with 403 any call whose bucket name resolves to a bucket another account owns: the staged
 * disk never lands in someone else's bucket after a typo or a deleted-and-reclaimed name
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html). One
 * interceptor on the client covers every operation, present and future.
 */
final class ExpectedBucketOwner implements ExecutionInterceptor {
  static final String HEADER = "x-amz-expected-bucket-owner";
  private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

  private final Supplier<String> account;

  /**
   * @param account the caller's account id (STS GetCallerIdentity), asked on the first request
   */
  ExpectedBucketOwner(Supplier<String> account) {
    this.account = account;
  }

  @Override
  public SdkHttpRequest modifyHttpRequest(
      Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
    return context.httpRequest().toBuilder().putHeader(HEADER, checked(account.get())).build();
  }

  /** {@code id} when it is a 12-digit account id, as S3 expects in {@value #HEADER}. */
  static String checked(String id) {
    if (id == null || !ACCOUNT.matcher(id).matches()) {
      throw new IllegalStateException(
          "STS named the caller's account '" + id + "', not a 12-digit account id");
    }
    return id;
  }
}
