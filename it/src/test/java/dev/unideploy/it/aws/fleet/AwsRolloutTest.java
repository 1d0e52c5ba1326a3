package dev.unideploy.it.aws.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.aws.AwsCli;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.aws.AwsProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;
import software.amazon.awssdk.services.elasticloadbalancingv2.ElasticLoadBalancingV2Client;
import software.amazon.awssdk.services.elasticloadbalancingv2.model.TargetHealthDescription;

/**
 * {@code deploy --provider aws} end to end against moto behind the awsfleet fake, whose instances
 * boot the published HTTP test guest under QEMU, whose target health comes from probing them as the
 * target group's health check says and whose console output is theirs: blue-green from v1 to v2, a
 * v3 that panics at boot rolled back by itself, v4 keeping v2 (keepPrevious: 1) and destroying v1;
 * then the console read incrementally and one instance terminated.
 */
class AwsRolloutTest {
  private static final String APP = "web";

  @TempDir static Path dir;
  private static AwsFleetFake fake;
  private static MotoNetwork net;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    fake = AwsFleetFake.start(dir.resolve("fake"));
    net = MotoNetwork.create(fake.endpoint(), "web", 80, "127.1");
  }

  @AfterAll
  static void stop() throws Exception {
    if (fake != null) {
      fake.close(); // its QEMUs die with it
    }
  }

  private static Path config(String version) throws IOException {
    Path file = dir.resolve("web-" + version + ".yaml");
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
            .formatted(APP, version, fake.endpoint(), net.fleetYaml().indent(4)));
    return file;
  }

  private static AwsCli.Run deploy(String tag, boolean panic) throws Exception {
    Path image = HttpGuest.image(tag, panic, BootMode.BIOS);
    return AwsCli.run(
        "deploy",
        "--provider",
        "aws",
        "--image",
        image.toString(),
        "--config",
        config(tag).toString(),
        "--no-verify",
        "--state",
        dir.resolve("state").toString(),
        "--output",
        "json");
  }

  /** The app's Auto Scaling groups and their desired sizes. */
  private static Map<String, Integer> groups() {
    Map<String, Integer> out = new TreeMap<>();
    try (AutoScalingClient asg = MotoNetwork.autoScaling(fake.endpoint())) {
      for (AutoScalingGroup g : asg.describeAutoScalingGroups().autoScalingGroups()) {
        out.put(g.autoScalingGroupName(), g.desiredCapacity());
      }
    }
    return out;
  }

  private static List<String> groupInstances(String group) {
    try (AutoScalingClient asg = MotoNetwork.autoScaling(fake.endpoint())) {
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

  /** Target id -> state, as the load balancer (the fake's probing) sees the target group. */
  private static Map<String, String> targets() {
    Map<String, String> out = new TreeMap<>();
    try (ElasticLoadBalancingV2Client elb = MotoNetwork.elb(fake.endpoint())) {
      for (TargetHealthDescription d :
          elb.describeTargetHealth(r -> r.targetGroupArn(net.targetGroup()))
              .targetHealthDescriptions()) {
        out.put(d.target().id(), d.targetHealth().stateAsString());
      }
    }
    return out;
  }

  private static List<String> templateVersions() {
    try (Ec2Client ec2 = MotoNetwork.ec2(fake.endpoint())) {
      return ec2
          .describeLaunchTemplateVersions(r -> r.launchTemplateName("unideploy-" + APP))
          .launchTemplateVersions()
          .stream()
          .map(LaunchTemplateVersion::versionDescription)
          .sorted()
          .toList();
    }
  }

  private static String privateIp(String instanceId) {
    try (Ec2Client ec2 = MotoNetwork.ec2(fake.endpoint())) {
      return ec2.describeInstances(r -> r.instanceIds(instanceId))
          .reservations()
          .get(0)
          .instances()
          .get(0)
          .privateIpAddress();
    }
  }

  /** What GET / answers on every instance of a group, at its private address. */
  private static List<String> answers(String group) throws Exception {
    List<String> out = new ArrayList<>();
    for (String id : groupInstances(group)) {
      out.add(get(privateIp(id)));
    }
    return out;
  }

  private static String get(String ip) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://" + ip + "/"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body().strip();
  }

  private static Fleet fleet() throws Exception {
    return new AwsProvider()
        .fleet(
            new dev.unideploy.pipeline.spi.ProviderContext(
                ConfigLoader.load(config("check")),
                new RecordingEventSink(),
                new MemoryJournal(),
                dir,
                Clock.systemUTC()));
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - end).as("timed out waiting for " + what).isNegative();
      Thread.sleep(500);
    }
  }

  @Test
  void blueGreenRollbackKeepPreviousConsoleAndTerminate() throws Exception {
    AwsCli.Run v1 = deploy("v1", false);
    assertThat(v1.exit()).as(v1.stdout() + v1.stderr() + fake.log()).isZero();
    assertThat(v1.json().path("group").asText()).isEqualTo("web-v001");
    List<String> v1Instances = groupInstances("web-v001");
    assertThat(v1Instances).hasSize(2);
    assertThat(answers("web-v001")).containsOnly(HttpGuest.body("v1")).hasSize(2);
    // attach returned only once the load balancer found the new targets healthy.
    assertThat(targets()).containsOnlyKeys(v1Instances);
    assertThat(targets().values()).containsOnly("healthy");

    AwsCli.Run v2 = deploy("v2", false);
    assertThat(v2.exit()).as(v2.stdout() + v2.stderr() + fake.log()).isZero();
    assertThat(v2.json().path("group").asText()).isEqualTo("web-v002");
    assertThat(v2.json().path("previous").asText()).isEqualTo("web-v001");
    assertThat(groups()).containsEntry("web-v001", 0).containsEntry("web-v002", 2);
    List<String> v2Instances = groupInstances("web-v002");
    // The detach waited for v1's targets to drain; they are gone from the target group now.
    assertThat(targets()).containsOnlyKeys(v2Instances);
    assertThat(targets().values()).containsOnly("healthy");
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2")).hasSize(2);
    assertThat(groupInstances("web-v001")).as("kept at size 0").isEmpty();

    AwsCli.Run v3 = deploy("v3", true);
    assertThat(v3.exit()).as(v3.stdout() + v3.stderr()).isEqualTo(1);
    // The report names the failing instances and the panic their console showed.
    assertThat(v3.stderr()).contains("web-v003").containsIgnoringCase("panic");
    assertThat(groups())
        .as("v3 destroyed, v2 serving, v1 kept")
        .containsExactly(Map.entry("web-v001", 0), Map.entry("web-v002", 2));
    assertThat(templateVersions()).containsExactly("web-v001", "web-v002");
    assertThat(targets()).containsOnlyKeys(v2Instances);
    assertThat(targets().values()).containsOnly("healthy");
    assertThat(answers("web-v002")).containsOnly(HttpGuest.body("v2"));

    AwsCli.Run v4 = deploy("v4", false);
    assertThat(v4.exit()).as(v4.stdout() + v4.stderr() + fake.log()).isZero();
    String v4Group = v4.json().path("group").asText();
    assertThat(v4.json().path("previous").asText()).isEqualTo("web-v002");
    assertThat(groups())
        .as("v2 kept at 0 (keepPrevious: 1), v1 destroyed")
        .containsExactly(Map.entry("web-v002", 0), Map.entry(v4Group, 2));
    assertThat(templateVersions()).containsExactly("web-v002", v4Group);
    assertThat(answers(v4Group)).containsOnly(HttpGuest.body("v4"));

    Fleet fleet = fleet();
    ServerGroup live =
        fleet.serverGroups(APP).stream().filter(ServerGroup::inService).findFirst().orElseThrow();
    assertThat(live.name()).isEqualTo(v4Group);
    List<InstanceState> states = fleet.instances(live);
    assertThat(states)
        .extracting(InstanceState::traffic)
        .containsOnly(InstanceState.Traffic.HEALTHY);
    String first = states.get(0).id();
    ConsoleChunk all = fleet.console(live, first, 0);
    assertThat(all.text()).contains("READY unideploy-http-guest v4");
    ConsoleChunk rest = fleet.console(live, first, all.next());
    assertThat(rest.next()).isGreaterThanOrEqualTo(all.next());
    assertThat(rest.text()).doesNotContain("READY unideploy-http-guest");

    String survivor = states.get(1).id();
    String goneIp = privateIp(first);
    fleet.terminate(live, first);
    assertThat(groups()).containsEntry(v4Group, 1);
    await("the terminated instance's QEMU to stop", () -> !answersAt(goneIp));
    assertThat(get(privateIp(survivor))).isEqualTo(HttpGuest.body("v4"));
    assertThat(fleet.instances(live)).extracting(InstanceState::id).containsExactly(survivor);
  }

  private static boolean answersAt(String ip) {
    try {
      get(ip);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
