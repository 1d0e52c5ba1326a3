package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.it.guest.HttpGuest;
import dev.unideploy.pipeline.qemu.BootMode;
import dev.unideploy.pipeline.state.MemoryJournal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ARM fake's scale sets are real: an instance of a scale set made from a gallery image version
 * (published through the Azure provider) boots that image under QEMU, its instance view's vmHealth
 * comes from probing it with the load balancer's probe, its boot-diagnostics serial log is its
 * console, joining the backend pool takes a model update plus manualupgrade, and deleting the scale
 * set stops it.
 */
class ArmScaleSetTest {
  private static final String COMPUTE = "?api-version=2024-07-01";
  private static final String NETWORK = "?api-version=2024-05-01";

  @TempDir Path dir;

  private static JsonNode await(ArmFake arm, HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
    JsonNode doc =
        arm.awaitOperation(
            r.headers().firstValue("Azure-AsyncOperation").orElseThrow(), Duration.ofSeconds(120));
    assertThat(doc.get("status").asText()).as(doc.toString()).isEqualTo("Succeeded");
    return doc;
  }

  @Test
  void instancesBootTheImageAndReportHealthFromTheProbe() throws Exception {
    ArmFake arm = ArmFake.get();
    String rg = arm.newResourceGroup("vmss");
    String app = AzurePublish.uniqueApp("vmss");
    Path image = HttpGuest.image("v1", false, BootMode.BIOS);
    AzurePublish.Run published =
        AzurePublish.publish(
            arm,
            AzurePublish.config(dir, AzurePublish.yaml(arm, app, "1.0.0", rg, 0, "")),
            image,
            dir,
            new MemoryJournal());
    String version = published.result().image().id();

    String lb = arm.groupPath(rg) + "/providers/Microsoft.Network/loadBalancers/lb";
    String probe = lb + "/probes/http";
    String pool = lb + "/backendAddressPools/pool";
    await(
        arm,
        arm.send(
            "PUT",
            lb + NETWORK,
            """
        {"location": "%s", "sku": {"name": "Standard"}, "properties": {
          "frontendIPConfigurations": [{"name": "fe", "properties": {"privateIPAddress": "127.0.0.1"}}],
          "backendAddressPools": [{"name": "pool"}],
          "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80,
            "requestPath": "/", "intervalInSeconds": 1, "numberOfProbes": 2}}],
          "loadBalancingRules": [{"name": "web", "properties": {"protocol": "Tcp", "frontendPort": 80,
            "backendPort": 80, "frontendIPConfiguration": {"id": "%s/frontendIPConfigurations/fe"},
            "backendAddressPool": {"id": "%s"}, "probe": {"id": "%s"}}}]}}
        """
                .formatted(arm.location(), lb, pool, probe)));

    String subnet =
        arm.groupPath(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default";
    String vmss =
        arm.groupPath(rg) + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + app + "-v001";
    String nic =
        """
        {"networkInterfaceConfigurations": [{"name": "nic", "properties": {"primary": true,
          "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": "%s"},
            "loadBalancerBackendAddressPools": [%s]}}]}}], "healthProbe": {"id": "%s"}}""";
    await(
        arm,
        arm.send(
            "PUT",
            vmss + COMPUTE,
            """
        {"location": "%s", "sku": {"name": "Standard_B1s", "capacity": 1}, "properties": {
          "upgradePolicy": {"mode": "Manual"},
          "virtualMachineProfile": {
            "storageProfile": {"imageReference": {"id": "%s"}, "osDisk": {"createOption": "FromImage"}},
            "osProfile": {"computerNamePrefix": "u", "adminUsername": "unideploy"},
            "networkProfile": %s,
            "diagnosticsProfile": {"bootDiagnostics": {"enabled": true}}}}}
        """
                .formatted(arm.location(), version, nic.formatted(subnet, "", probe))));
    try {
      JsonNode instances = ArmFake.json(arm.send("GET", vmss + "/virtualMachines" + COMPUTE, null));
      assertThat(instances.get("value")).hasSize(1);
      String view = vmss + "/virtualMachines/0/instanceView" + COMPUTE;
      String health = "";
      long end = System.nanoTime() + Duration.ofSeconds(240).toNanos();
      while (!health.equals("HealthState/healthy") && System.nanoTime() < end) {
        Thread.sleep(500);
        health = ArmFake.json(arm.send("GET", view, null)).at("/vmHealth/status/code").asText();
      }
      assertThat(health).isEqualTo("HealthState/healthy");

      HttpResponse<String> diag =
          arm.send("POST", vmss + "/virtualMachines/0/retrieveBootDiagnosticsData" + COMPUTE, null);
      String log = ArmFake.json(diag).get("serialConsoleLogBlobUri").asText();
      String console =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(log))
                      .header("x-ms-version", "2021-08-06")
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(console).containsPattern("READY unideploy-http-guest v1");

      // Into the pool: the model changes at once, the instance only after manualupgrade.
      await(
          arm,
          arm.send(
              "PATCH",
              vmss + COMPUTE,
              """
          {"properties": {"virtualMachineProfile": {"networkProfile": %s}}}
          """
                  .formatted(nic.formatted(subnet, "{\"id\": \"" + pool + "\"}", probe))));
      assertThat(
              ArmFake.json(arm.send("GET", vmss + "/virtualMachines/0" + COMPUTE, null))
                  .at("/properties/latestModelApplied")
                  .asBoolean())
          .isFalse();
      assertThat(
              ArmFake.json(arm.send("GET", lb + NETWORK, null))
                  .at("/properties/backendAddressPools/0/properties/backendIPConfigurations")
                  .isMissingNode())
          .isTrue();
      await(arm, arm.send("POST", vmss + "/manualupgrade" + COMPUTE, "{\"instanceIds\": [\"0\"]}"));
      assertThat(
              ArmFake.json(arm.send("GET", lb + NETWORK, null))
                  .at("/properties/backendAddressPools/0/properties/backendIPConfigurations"))
          .hasSize(1);
    } finally {
      await(arm, arm.send("DELETE", vmss + COMPUTE, null));
    }
    assertThat(arm.send("GET", vmss + COMPUTE, null).statusCode()).isEqualTo(404);
  }
}
