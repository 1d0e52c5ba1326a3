package dev.unideploy.provider.aws.clients;

import dev.unideploy.pipeline.UnideployException;
import java.net.URI;
import java.util.List;
import software.amazon.awssdk.awscore.endpoints.AwsEndpointAttribute;
import software.amazon.awssdk.awscore.endpoints.authscheme.EndpointAuthScheme;
import software.amazon.awssdk.awscore.endpoints.authscheme.SigV4AuthScheme;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * Where the SDK's S3 client would send requests on a bucket: the S3 endpoint rules with the bucket,
 * region, FIPS and dual-stack settings (virtual-hosted style, or path-style for names a host name
 * cannot carry, such as names with dots under TLS). Its own class, so that only a run against AWS
 * itself loads the S3 endpoint rules.
 */
final class S3BucketEndpoint {
  private S3BucketEndpoint() {}

  /**
   * @return the bucket's base URL: object keys are appended as {@code /key}
   * @throws UnideployException the bucket needs another signing scheme than SigV4 for {@code s3} in
   *     {@code region} (S3 Express directory buckets, multi-region access points)
   */
  static URI resolve(String bucket, String region, boolean fips, boolean dualStack) {
    Endpoint endpoint =
        S3EndpointProvider.defaultProvider()
            .resolveEndpoint(
                S3EndpointParams.builder()
                    .bucket(bucket)
                    .region(Region.of(region))
                    .useFips(fips)
                    .useDualStack(dualStack)
                    .build())
            .join();
    List<EndpointAuthScheme> schemes = endpoint.attribute(AwsEndpointAttribute.AUTH_SCHEMES);
    if (schemes != null && !schemes.isEmpty()) {
      EndpointAuthScheme scheme = schemes.get(0);
      boolean plain =
          scheme instanceof SigV4AuthScheme v4
              && "s3".equals(v4.signingName())
              && (v4.signingRegion() == null || region.equals(v4.signingRegion()));
      if (!plain) {
        throw new UnideployException(
            "S3 bucket "
                + bucket
                + " in "
                + region
                + " needs the "
                + scheme.name()
                + " signing scheme, which unideploy's state does not speak; use a general purpose"
                + " bucket");
      }
    }
    return endpoint.url();
  }
}
