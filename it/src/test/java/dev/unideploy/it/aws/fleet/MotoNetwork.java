package dev.unideploy.it.aws.fleet;

import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.ProtocolEnum;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetGroupAttribute;

/**
 * What a deploy needs that the user brings, made on moto for a test: a VPC with a subnet, a
 * security group, and an application load balancer whose listener forwards to a target group with
 * an HTTP health check on {@code /}.
 */
record MotoNetwork(
    String vpc, String subnet, String securityGroup, String targetGroup, String loadBalancer) {
  static final String REGION = "us-east-1";
  static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY"));

  static {
    // The provider takes the SDK's default chain, as a user's environment would feed it.
    System.setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
    System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY");
  }

  /** Makes the network for {@code name} (names must be unique on a shared moto). */
  static MotoNetwork create(URI endpoint, String name, int port) {
    return create(endpoint, name, port, "10.0");
  }

  /**
   * Makes the network in {@code prefix}.0.0/16. With a loopback prefix (127.x) the instances'
   * private IPs are addresses of this machine, where the booting fake serves their guest ports.
   */
  static MotoNetwork create(URI endpoint, String name, int port, String prefix) {
    try (Ec2Client ec2 = ec2(endpoint);
        ElasticLoadBalancingV2Client elb = elb(endpoint)) {
      String vpc = ec2.createVpc(r -> r.cidrBlock(prefix + ".0.0/16")).vpc().vpcId();
      String subnet =
          ec2.createSubnet(
                  r -> r.vpcId(vpc).cidrBlock(prefix + ".1.0/24").availabilityZone("us-east-1a"))
              .subnet()
              .subnetId();
      String subnetB =
          ec2.createSubnet(
                  r -> r.vpcId(vpc).cidrBlock(prefix + ".2.0/24").availabilityZone("us-east-1b"))
              .subnet()
              .subnetId();
      String sg =
          ec2.createSecurityGroup(r -> r.vpcId(vpc).groupName(name).description("web")).groupId();
      String tg =
          elb.createTargetGroup(
                  r ->
                      r.name(name)
                          .protocol(ProtocolEnum.HTTP)
                          .port(port)
                          .vpcId(vpc)
                          .healthCheckProtocol(ProtocolEnum.HTTP)
                          .healthCheckPath("/")
                          .healthCheckIntervalSeconds(5)
                          .healthyThresholdCount(2)
                          .unhealthyThresholdCount(2))
              .targetGroups()
              .get(0)
              .targetGroupArn();
      // A short deregistration delay: a detached group drains in seconds, not the default 300.
      elb.modifyTargetGroupAttributes(
          r ->
              r.targetGroupArn(tg)
                  .attributes(
                      TargetGroupAttribute.builder()
                          .key("deregistration_delay.timeout_seconds")
                          .value("3")
                          .build()));
      String lb =
          elb.createLoadBalancer(r -> r.name(name).subnets(subnet, subnetB).securityGroups(sg))
              .loadBalancers()
              .get(0)
              .loadBalancerArn();
      elb.createListener(
          r ->
              r.loadBalancerArn(lb)
                  .protocol(ProtocolEnum.HTTP)
                  .port(80)
                  .defaultActions(
                      software.amazon.awssdk.services.elasticloadbalancingv2.model.Action.builder()
                          .type("forward")
                          .targetGroupArn(tg)
                          .build()));
      return new MotoNetwork(vpc, subnet, sg, tg, lb);
    }
  }

  /** The {@code fleet:} section for this network. */
  String fleetYaml() {
    return """
        fleet:
          instanceType: t3.micro
          subnets: [%s]
          securityGroups: [%s]
          targetGroups: ["%s"]
        """
        .formatted(subnet, securityGroup, targetGroup);
  }

  static Ec2Client ec2(URI endpoint) {
    return Ec2Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(CREDENTIALS)
        .build();
  }

  static ElasticLoadBalancingV2Client elb(URI endpoint) {
    return ElasticLoadBalancingV2Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(CREDENTIALS)
        .build();
  }

  static AutoScalingClient autoScaling(URI endpoint) {
    return AutoScalingClient.builder()
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .credentialsProvider(CREDENTIALS)
        .build();
  }
}
