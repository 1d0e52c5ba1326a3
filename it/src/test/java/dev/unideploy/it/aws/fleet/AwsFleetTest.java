package dev.unideploy.it.aws.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.unideploy.pipeline.UnideployException;
import dev.unideploy.pipeline.config.ConfigLoader;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.spi.ConsoleChunk;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.InstanceState;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.spi.ServerGroupSpec;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.aws.AwsProvider;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.LaunchTemplateVersion;

/**
 * The AWS fleet on moto, operation by operation, as the rollout engine calls it: a launch template
 * version and an Auto Scaling group per release, tagged, not in service until attached to the
 * configured target group; re-running create changes nothing; resize, terminate, detach and destroy
 * leave nothing behind (the launch template goes with the app's last group); a group of the same
 * name that unideploy did not make is refused, never changed.
 */
class AwsFleetTest {
  @TempDir Path dir;
  @TempDir static Path fakeState;
  private static AwsFleetFake fake;

  @BeforeAll
  static void start() throws Exception {
    // moto behind the awsfleet fake: these AMIs have no published disk, so their instances never
    // boot and their targets never turn healthy, as on EC2.
    fake = AwsFleetFake.start(fakeState);
  }

  @AfterAll
  static void stop() {
    if (fake != null) {
      fake.close();
    }
  }

  private static URI endpoint() {
    return fake.endpoint();
  }

  private Fleet fleet(String app, MotoNetwork net) throws Exception {
    Path file = dir.resolve(UUID.randomUUID() + ".yaml");
    Files.writeString(
        file,
        """
        app: %s
        providers:
          aws:
            region: us-east-1
            endpoint: %s
            waits: {pollInterval: 200ms}
            retry: {maxAttempts: 2}
        %s      inServiceTimeout: 3s
        """
            .formatted(app, endpoint(), net.fleetYaml().indent(4)));
    DeployConfig config = ConfigLoader.load(file);
    return new AwsProvider()
        .fleet(
            new ProviderContext(
                config, new RecordingEventSink(), new MemoryJournal(), dir, Clock.systemUTC()));
  }

  private static String image() {
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint())) {
      return ec2.registerImage(r -> r.name("fleet-" + UUID.randomUUID())).imageId();
    }
  }

  @Test
  void aReleaseIsALaunchTemplateVersionAndATaggedAutoScalingGroup() throws Exception {
    String app = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
    MotoNetwork net = MotoNetwork.create(endpoint(), app, 8080);
    Fleet fleet = fleet(app, net);
    String ami = image();
    ServerGroupSpec spec = new ServerGroupSpec(app, app + "-v001", "1.0", ami, 2, List.of(8080));

    ServerGroup g1 = fleet.create(spec);
    assertThat(g1.name()).isEqualTo(app + "-v001");
    assertThat(g1.inService()).isFalse();
    assertThat(g1.desiredSize()).isEqualTo(2);
    assertThat(g1.imageId()).isEqualTo(ami);
    assertThat(g1.version()).isEqualTo("1.0");
    // Again: the same group, no second launch template version.
    assertThat(fleet.create(spec).name()).isEqualTo(g1.name());
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint());
        AutoScalingClient asg = MotoNetwork.autoScaling(endpoint())) {
      List<LaunchTemplateVersion> versions =
          ec2.describeLaunchTemplateVersions(r -> r.launchTemplateName("unideploy-" + app))
              .launchTemplateVersions();
      assertThat(versions).hasSize(1);
      LaunchTemplateVersion v = versions.get(0);
      assertThat(v.versionDescription()).isEqualTo(g1.name());
      assertThat(v.launchTemplateData().imageId()).isEqualTo(ami);
      assertThat(v.launchTemplateData().instanceTypeAsString()).isEqualTo("t3.micro");
      assertThat(v.launchTemplateData().securityGroupIds()).containsExactly(net.securityGroup());
      assertThat(v.launchTemplateData().metadataOptions().httpTokensAsString())
          .isEqualTo("required");
      AutoScalingGroup made =
          asg.describeAutoScalingGroups(r -> r.autoScalingGroupNames(g1.name()))
              .autoScalingGroups()
              .get(0);
      assertThat(made.healthCheckType()).isEqualTo("ELB");
      assertThat(made.healthCheckGracePeriod()).isEqualTo(60);
      assertThat(made.vpcZoneIdentifier()).isEqualTo(net.subnet());
      assertThat(made.targetGroupARNs()).isEmpty();
      Map<String, String> tags =
          made.tags().stream().collect(Collectors.toMap(t -> t.key(), t -> t.value(), (a, b) -> b));
      assertThat(tags)
          .containsEntry("unideploy:managed", "true")
          .containsEntry("unideploy:app", app)
          .containsEntry("unideploy:group", g1.name())
          .containsEntry("unideploy:ports", "8080")
          .containsEntry("unideploy:launch-template-version", "1");
    }

    List<InstanceState> states = fleet.instances(g1);
    assertThat(states).hasSize(2);
    for (InstanceState s : states) {
      assertThat(s.lifecycle()).isEqualTo(InstanceState.Lifecycle.RUNNING);
      assertThat(s.traffic()).isEqualTo(InstanceState.Traffic.NOT_REGISTERED);
      assertThat(s.probeAddress()).hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(8080));
      assertThat(s.attributes()).containsKey("privateIp");
      ConsoleChunk c = fleet.console(g1, s.id(), 0);
      assertThat(c.next()).isEqualTo(c.text().getBytes().length);
      assertThat(fleet.console(g1, s.id(), c.next()).text()).isEmpty();
    }

    // Attached, but its targets never pass the health check: attach says so after
    // inServiceTimeout, naming what to check, and the load balancer's view is reported as is.
    assertThatThrownBy(() -> fleet.attach(g1))
        .hasMessageContaining("to be healthy in")
        .hasMessageContaining("providers.aws.fleet.inServiceTimeout");
    ServerGroup attached = only(fleet.serverGroups(app));
    assertThat(attached.inService()).isTrue();
    assertThat(fleet.instances(g1))
        .extracting(InstanceState::traffic)
        .containsOnly(InstanceState.Traffic.UNHEALTHY);

    ServerGroup g2 =
        fleet.create(new ServerGroupSpec(app, app + "-v002", "2.0", ami, 1, List.of(8080)));
    assertThat(fleet.serverGroups(app))
        .extracting(ServerGroup::name)
        .containsExactly(g1.name(), g2.name());
    fleet.detach(g1);
    fleet.resize(g1, 0);
    ServerGroup kept = fleet.serverGroups(app).get(0);
    assertThat(kept.inService()).isFalse();
    assertThat(kept.desiredSize()).isZero();

    fleet.terminate(g2, fleet.instances(g2).get(0).id());
    assertThat(fleet.serverGroups(app).get(1).desiredSize()).isZero();
    assertThatThrownBy(() -> fleet.terminate(g2, "i-0123456789abcdef0"))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("not part of");

    fleet.destroy(g1);
    fleet.destroy(g1); // gone is done
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint())) {
      assertThat(
              ec2.describeLaunchTemplateVersions(r -> r.launchTemplateName("unideploy-" + app))
                  .launchTemplateVersions())
          .extracting(LaunchTemplateVersion::versionDescription)
          .containsExactly(g2.name());
    }
    fleet.destroy(g2);
    assertThat(fleet.serverGroups(app)).isEmpty();
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint())) {
      assertThat(
              ec2.describeLaunchTemplates(
                      r ->
                          r.filters(
                              Filter.builder()
                                  .name("launch-template-name")
                                  .values("unideploy-" + app)
                                  .build()))
                  .launchTemplates())
          .isEmpty();
    }
  }

  @Test
  void aCreateInterruptedAfterTheLaunchTemplateVersionReusesIt() throws Exception {
    String app = "resume-" + UUID.randomUUID().toString().substring(0, 8);
    MotoNetwork net = MotoNetwork.create(endpoint(), app, 80);
    Fleet fleet = fleet(app, net);
    ServerGroupSpec spec = new ServerGroupSpec(app, app + "-v001", "1", image(), 1, List.of(80));
    fleet.create(spec);
    // The state a run killed between CreateLaunchTemplateVersion and CreateAutoScalingGroup
    // leaves: the version, no group.
    try (AutoScalingClient asg = MotoNetwork.autoScaling(endpoint())) {
      asg.deleteAutoScalingGroup(r -> r.autoScalingGroupName(spec.name()).forceDelete(true));
    }
    assertThat(fleet.serverGroups(app)).isEmpty();

    ServerGroup again = fleet.create(spec);
    assertThat(again.attributes()).containsEntry("launchTemplateVersion", "1");
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint())) {
      assertThat(
              ec2.describeLaunchTemplateVersions(r -> r.launchTemplateName("unideploy-" + app))
                  .launchTemplateVersions())
          .as("no second version for the same group")
          .extracting(LaunchTemplateVersion::versionDescription)
          .containsExactly(spec.name());
    }
    fleet.destroy(again);
    assertThat(fleet.serverGroups(app)).isEmpty();
  }

  @Test
  void aGroupUnideployDidNotMakeIsNeverTouched() throws Exception {
    String app = "foreign-" + UUID.randomUUID().toString().substring(0, 8);
    MotoNetwork net = MotoNetwork.create(endpoint(), app, 80);
    String ami = image();
    String name = app + "-v001";
    try (Ec2Client ec2 = MotoNetwork.ec2(endpoint());
        AutoScalingClient asg = MotoNetwork.autoScaling(endpoint())) {
      String lt =
          ec2.createLaunchTemplate(
                  r ->
                      r.launchTemplateName("by-hand-" + app)
                          .launchTemplateData(d -> d.imageId(ami).instanceType("t3.micro")))
              .launchTemplate()
              .launchTemplateId();
      asg.createAutoScalingGroup(
          r ->
              r.autoScalingGroupName(name)
                  .launchTemplate(l -> l.launchTemplateId(lt).version("1"))
                  .minSize(1)
                  .maxSize(1)
                  .desiredCapacity(1)
                  .vpcZoneIdentifier(net.subnet()));
    }
    Fleet fleet = fleet(app, net);
    assertThat(fleet.serverGroups(app)).isEmpty();
    ServerGroupSpec spec = new ServerGroupSpec(app, name, "1", ami, 1, List.of(80));
    assertThatThrownBy(() -> fleet.create(spec))
        .isInstanceOf(UnideployException.class)
        .hasMessageContaining("unideploy did not create it");
    ServerGroup pretend =
        new ServerGroup(name, app, "1", ami, 1, false, java.time.Instant.EPOCH, Map.of());
    assertThatThrownBy(() -> fleet.destroy(pretend)).hasMessageContaining("does not touch it");
    try (AutoScalingClient asg = MotoNetwork.autoScaling(endpoint())) {
      assertThat(
              asg.describeAutoScalingGroups(r -> r.autoScalingGroupNames(name)).autoScalingGroups())
          .singleElement()
          .satisfies(g -> assertThat(g.desiredCapacity()).isEqualTo(1));
    }
  }

  @Test
  void deployingWithoutSubnetsOrTargetGroupsSaysWhatToSet() throws Exception {
    String app = "bare-" + UUID.randomUUID().toString().substring(0, 8);
    Path file = dir.resolve("bare.yaml");
    Files.writeString(
        file,
        "app: %s\nproviders:\n  aws: {region: us-east-1, endpoint: \"%s\"}\n"
            .formatted(app, endpoint()));
    Fleet fleet =
        new AwsProvider()
            .fleet(
                new ProviderContext(
                    ConfigLoader.load(file),
                    new RecordingEventSink(),
                    new MemoryJournal(),
                    dir,
                    Clock.systemUTC()));
    assertThatThrownBy(
            () -> fleet.create(new ServerGroupSpec(app, app + "-v001", "1", "ami-1", 1, List.of())))
        .hasMessageContaining("providers.aws.fleet.subnets")
        .hasMessageContaining("providers.aws.fleet.targetGroups");
  }

  private static ServerGroup only(List<ServerGroup> groups) {
    assertThat(groups).hasSize(1);
    return groups.get(0);
  }
}
