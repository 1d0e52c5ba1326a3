package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.config.DeployConfig;
import dev.unideploy.pipeline.events.RecordingEventSink;
import dev.unideploy.pipeline.job.DeployJob;
import dev.unideploy.pipeline.job.PublishJob;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.rollout.DeployResult;
import dev.unideploy.pipeline.spi.Fleet;
import dev.unideploy.pipeline.spi.ImageCatalog.ImageSummary;
import dev.unideploy.pipeline.spi.ProviderContext;
import dev.unideploy.pipeline.spi.ServerGroup;
import dev.unideploy.pipeline.state.MemoryJournal;
import dev.unideploy.provider.azure.AzureProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy --provider azure} end to end on the ARM fake and Azurite: each release is published
 * as a gallery image version and rolled out blue-green as a scale set whose instances boot the
 * image under QEMU. v1 goes in service behind the load balancer's loopback frontend; v2 replaces it
 * only once healthy (v1 kept at size 0); a v3 whose kernel panics fails the health gate from its
 * boot-diagnostics log, is deleted, and v2 never stops answering. {@code images} lists all three
 * gallery versions through the provider's catalog.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AzureRolloutTest {
  private static final String COMPUTE_API = "?api-version=2024-07-01";

  @TempDir static Path dir;
  private static ArmFake arm;
  private static String rg;
  private static String app;
  private static AzureLoadBalancer lb;

  @BeforeAll
  static void loadBalancer() throws IOException {
    arm = ArmFake.get();
    rg = arm.newResourceGroup("rollout");
    app = AzurePublish.uniqueApp("bg");
    lb = AzureLoadBalancer.create(arm, rg);
  }

  @AfterAll
  static void removeScaleSets() throws IOException {
    if (arm == null) {
      return;
    }
    Fleet fleet = provider().fleet(context(config("1.0.0", dir.resolve("none.img"))));
    for (ServerGroup g : fleet.serverGroups(app)) {
      fleet.destroy(g);
    }
  }

  private static AzureProvider provider() {
    return new AzureProvider(AzurePublish.credential(arm));
  }

  private static ProviderContext context(DeployConfig config) {
    return new ProviderContext(
        config, new RecordingEventSink(), new MemoryJournal(), dir, Clock.systemUTC());
  }

  private static DeployConfig config(String version, Path image) throws IOException {
    String yaml =
        AzurePublish.yaml(arm, app, version, rg, 0, lb.fleetYaml())
            + """
            image: %s
            state: %s
            deploy:
              instances: 1
              ports: [80]
              keepPrevious: 1
            health:
              serial: "READY unideploy-http-guest"
              http: /
              timeout: 4m
            """
                .formatted(image, dir.resolve("state"));
    return AzurePublish.config(dir, yaml);
  }

  private static DeployResult deploy(String version, Path image) throws IOException {
    RecordingEventSink events = new RecordingEventSink();
    // The rollout's gate is what must catch a bad release here, so publish skips its own boot.
    return new DeployJob(provider(), config(version, image), events, Clock.systemUTC())
        .run(new PublishJob.Options(null, false, false, false, null));
  }

  private static List<ServerGroup> groups() throws IOException {
    return provider().fleet(context(config("1.0.0", dir.resolve("none.img")))).serverGroups(app);
  }

  @Test
  @Order(1)
  void firstReleaseGoesInServiceBehindTheLoadBalancer() throws Exception {
    DeployResult r = deploy("1.0.0", HttpGuest.image("v1", false, BootMode.BIOS));
    assertThat(r.group()).isEqualTo(app + "-v001");
    assertThat(r.previous()).isNull();
    assertThat(r.instances()).hasSize(1);
    assertThat(r.instances().get(0).detail()).contains("READY unideploy-http-guest v1");
    assertThat(r.publish().image().id()).contains("/galleries/").endsWith("/versions/1.0.0");
    assertThat(lb.awaitServed("unideploy-http-guest v1")).contains("unideploy-http-guest v1");
    assertThat(groups())
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.inService()).isTrue();
              assertThat(g.desiredSize()).isEqualTo(1);
              assertThat(g.version()).isEqualTo("1.0.0");
            });
  }

  @Test
  @Order(2)
  void secondReleaseReplacesTheFirstWhichIsKeptAtSizeZero() throws Exception {
    DeployResult r = deploy("1.1.0", HttpGuest.image("v2", false, BootMode.BIOS));
    assertThat(r.group()).isEqualTo(app + "-v002");
    assertThat(r.previous()).isEqualTo(app + "-v001");
    assertThat(r.kept()).as(r.toString()).containsExactly(app + "-v001");
    assertThat(lb.awaitServed("unideploy-http-guest v2")).contains("unideploy-http-guest v2");
    List<ServerGroup> gs = groups();
    assertThat(gs).extracting(ServerGroup::name).containsExactly(app + "-v001", app + "-v002");
    assertThat(gs.get(0).inService()).isFalse();
    assertThat(gs.get(0).desiredSize()).isZero();
    assertThat(gs.get(1).inService()).isTrue();
    // The kept scale set has no instances left on the ARM side either.
    var vms =
        ArmFake.json(
            arm.send(
                "GET",
                arm.groupPath(rg)
                    + "/providers/Microsoft.Compute/virtualMachineScaleSets/"
                    + app
                    + "-v001/virtualMachines"
                    + COMPUTE_API,
                null));
    assertThat(vms.get("value")).isEmpty();
  }

  @Test
  @Order(3)
  void panickingReleaseIsRolledBackAndTheServingOneKeepsServing() throws Exception {
    Path bad = HttpGuest.image("v3", true, BootMode.BIOS);
    // The engine rolls back by itself and says so in its result (the CLI turns it into exit 1).
    DeployResult r = deploy("1.2.0", bad);
    assertThat(r.rolledBack()).as(r.toString()).isTrue();
    assertThat(r.previous()).isEqualTo(app + "-v002");
    assertThat(r.instances()).anySatisfy(i -> assertThat(i.detail()).contains("panic"));
    List<ServerGroup> gs = groups();
    assertThat(gs).extracting(ServerGroup::name).containsExactly(app + "-v001", app + "-v002");
    assertThat(gs.get(1).inService()).isTrue();
    assertThat(
            arm.send(
                    "GET",
                    arm.groupPath(rg)
                        + "/providers/Microsoft.Compute/virtualMachineScaleSets/"
                        + app
                        + "-v003"
                        + COMPUTE_API,
                    null)
                .statusCode())
        .isEqualTo(404);
    assertThat(lb.viaFrontend()).contains("unideploy-http-guest v2");
  }

  @Test
  @Order(4)
  void imagesListsEveryPublishedGalleryVersion() throws Exception {
    List<ImageSummary> images =
        provider().images(context(config("1.0.0", dir.resolve("none.img")))).list(app);
    assertThat(images).extracting(ImageSummary::version).containsExactly("1.0.0", "1.1.0", "1.2.0");
    assertThat(images).allSatisfy(i -> assertThat(i.app()).isEqualTo(app));
    assertThat(images)
        .allSatisfy(i -> assertThat(i.id()).contains("/galleries/").contains("/versions/"));
  }
}
