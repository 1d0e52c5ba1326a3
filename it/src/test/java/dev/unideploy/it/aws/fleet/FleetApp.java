package dev.unideploy.it.aws.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.ChildJvm;
import dev.unideploy.it.aws.AwsCli;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.rollout.RolloutJournal;
import dev.unideploy.pipeline.rollout.RolloutRecord;
import dev.unideploy.pipeline.state.FileJournal;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;

/**
 * One app deployed with {@code deploy --provider aws} onto the awsfleet fake, behind its own
 * network and target group: its config and command lines, its journal and status, and what moto
 * holds for it.
 */
final class FleetApp {
  private final String app;
  private final URI endpoint;
  private final MotoNetwork net;
  private final Path dir;

  /**
   * @param prefix the network's loopback prefix (127.x): apps sharing the fake need their own
   * @param dir where configs go and the state folder ({@code dir/state}) is
   */
  FleetApp(String app, AwsFleetFake fake, String prefix, Path dir) {
    this.app = app;
    this.endpoint = fake.endpoint();
    this.net = MotoNetwork.create(endpoint, app, 80, prefix);
    this.dir = dir;
  }

  String app() {
    return app;
  }

  MotoNetwork net() {
    return net;
  }

  Path state() {
    return dir.resolve("state");
  }

  Path config(String version) throws IOException {
    Path file = dir.resolve(app + "-" + version + ".yaml");
    Files.writeString(
        file,
        """
        app: %s
        version: "%s"
        deploy: {instances: 2, ports: [80], keepPrevious: 1}
        health: {http: /, timeout: 300s, interval: 2s}
        providers:
          aws:
            region: us-east-1
            endpoint: %s
            waits: {available: 60s, pollInterval: 500ms}
            retry: {maxAttempts: 2}
        %s"""
            .formatted(app, version, endpoint, net.fleetYaml().indent(4)));
    return file;
  }

  /** {@code deploy --provider aws} of the HTTP guest tagged {@code tag} as release {@code tag}. */
  List<String> deployArgs(String tag, boolean panic) throws Exception {
    return HttpGuest.deployArgs("aws", tag, panic, config(tag), state());
  }

  AwsCli.Run deploy(String tag, boolean panic) throws Exception {
    return AwsCli.run(deployArgs(tag, panic).toArray(String[]::new));
  }

  /**
   * The same deploy in a JVM of its own, started from the packaged CLI as a user runs it; {@code
   * name} names its home and log in the test's folder.
   */
  ChildJvm deployInChild(String tag, String name) throws Exception {
    AwsCredentials credentials = MotoNetwork.CREDENTIALS.resolveCredentials();
    return ChildJvm.cli(
        deployArgs(tag, false),
        Map.of(
            "AWS_ACCESS_KEY_ID",
            credentials.accessKeyId(),
            "AWS_SECRET_ACCESS_KEY",
            credentials.secretAccessKey(),
            "AWS_EC2_METADATA_DISABLED",
            "true"),
        dir.resolve("home-" + name),
        dir.resolve("child-" + name + ".log"));
  }

  /** {@code unideploy status --output json}. */
  JsonNode status() throws Exception {
    AwsCli.Run r =
        AwsCli.run(
            "status",
            "--provider",
            "aws",
            "--config",
            config("status").toString(),
            "--state",
            state().toString(),
            "--output",
            "json");
    if (r.exit() != 0) {
      throw new AssertionError("status failed: " + r.stderr());
    }
    return r.json();
  }

  /** The app's rollouts as its journal tells them, oldest first. */
  List<RolloutRecord> rollouts() {
    return RolloutJournal.records(
        FileJournal.read(state().resolve("journal").resolve(app + "-aws.jsonl")));
  }

  /** The rollout a run left unfinished (or is running now), if any. */
  Optional<RolloutRecord> unfinished() {
    return RolloutJournal.unfinished(
        FileJournal.read(state().resolve("journal").resolve(app + "-aws.jsonl")));
  }

  /** The app's Auto Scaling groups and their desired sizes. */
  Map<String, Integer> groups() {
    Map<String, Integer> out = new TreeMap<>();
    try (AutoScalingClient asg = MotoNetwork.autoScaling(endpoint)) {
      for (AutoScalingGroup g : asg.describeAutoScalingGroups().autoScalingGroups()) {
        if (g.tags().stream()
            .anyMatch(t -> t.key().equals("unideploy:app") && t.value().equals(app))) {
          out.put(g.autoScalingGroupName(), g.desiredCapacity());
        }
      }
    }
    return out;
  }

  List<String> groupInstances(String group) {
    try (AutoScalingClient asg = MotoNetwork.autoScaling(endpoint)) {
      return asg
          .describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
          .autoScalingGroups()
          .get(0)
          .instances()
          .stream()
          .map(i -> i.instanceId())
          .toList();
    }
  }

  /** Target id -> state, as the load balancer (the fake's probing) sees the app's target group. */
  Map<String, String> targets() {
    Map<String, String> out = new TreeMap<>();
    try (ElasticLoadBalancingV2Client elb = MotoNetwork.elb(endpoint)) {
      for (TargetHealthDescription d :
          elb.describeTargetHealth(r -> r.targetGroupArn(net.targetGroup()))
              .targetHealthDescriptions()) {
        out.put(d.target().id(), d.targetHealth().stateAsString());
      }
    }
    return out;
  }

  /** The descriptions (group names) of the app's launch template versions, sorted. */
  List<String> templateVersions() {
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint)) {
      return ec2
          .describeLaunchTemplateVersions(r -> r.launchTemplateName("unideploy-" + app))
          .launchTemplateVersions()
          .stream()
          .map(LaunchTemplateVersion::versionDescription)
          .sorted()
          .toList();
    }
  }

  String privateIp(String instanceId) {
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint)) {
      return ec2.describeInstances(r -> r.instanceIds(instanceId))
          .reservations()
          .get(0)
          .instances()
          .get(0)
          .privateIpAddress();
    }
  }

  /** What GET / answers on every instance of a group, at its private address. */
  List<String> answers(String group) throws Exception {
    List<String> out = new ArrayList<>();
    for (String id : groupInstances(group)) {
      out.add(HttpGuest.answer(privateIp(id)));
    }
    return out;
  }
}
