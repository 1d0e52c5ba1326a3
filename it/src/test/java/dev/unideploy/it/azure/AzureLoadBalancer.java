package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A load balancer on the ARM fake for rollout tests: a loopback frontend that forwards port 80 to
 * the healthy members of pool {@code pool} (probe {@code http}), the {@code fleet:} section that
 * points unideploy at it, and what the frontend answers and who is in the pool, read from ARM.
 */
final class AzureLoadBalancer {
  private static final String NETWORK_API = "?api-version=2024-05-01";
  private static final String COMPUTE_API = "?api-version=2024-07-01";

  private final ArmFake arm;
  private final String rg;
  private final String id;
  private final int frontendPort;

  private AzureLoadBalancer(ArmFake arm, String rg, String id, int frontendPort) {
    this.arm = arm;
    this.rg = rg;
    this.id = id;
    this.frontendPort = frontendPort;
  }

  /** Creates load balancer {@code lb} in {@code rg}, its frontend on a free loopback port. */
  static AzureLoadBalancer create(ArmFake arm, String rg) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String lb = arm.groupPath(rg) + "/providers/Microsoft.Network/loadBalancers/lb";
    var r =
        arm.send(
            "PUT",
            lb + NETWORK_API,
            """
        {"location": "%s", "sku": {"name": "Standard"}, "properties": {
          "frontendIPConfigurations": [{"name": "fe", "properties": {"privateIPAddress": "127.0.0.1"}}],
          "backendAddressPools": [{"name": "pool"}],
          "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80,
            "requestPath": "/", "intervalInSeconds": 1, "numberOfProbes": 2}}],
          "loadBalancingRules": [{"name": "web", "properties": {"protocol": "Tcp",
            "frontendPort": %d, "backendPort": 80,
            "frontendIPConfiguration": {"id": "%s/frontendIPConfigurations/fe"},
            "backendAddressPool": {"id": "%s/backendAddressPools/pool"},
            "probe": {"id": "%s/probes/http"}}}]}}
        """
                .formatted(arm.location(), port, lb, lb, lb));
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return new AzureLoadBalancer(arm, rg, lb, port);
  }

  /** The {@code fleet:} section of providers.azure for this load balancer. */
  String fleetYaml() {
    String subnet =
        arm.groupPath(rg) + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default";
    return """
        fleet:
          vmSize: Standard_B1s
          subnetId: %s
          loadBalancer: lb
          backendPool: pool
          probe: http
          probeAddress: none
        """
        .formatted(subnet);
  }

  /** What the frontend answers now (null when it drops the connection). */
  String viaFrontend() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), frontendPort)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.0\r\nHost: lb\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return reply.isEmpty() ? null : reply;
    } catch (IOException e) {
      return null;
    }
  }

  /** The frontend's answer once it contains {@code text}, polled (the probe needs a few rounds). */
  String awaitServed(String text) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = viaFrontend();
    while ((last == null || !last.contains(text)) && System.nanoTime() < end) {
      Thread.sleep(500);
      last = viaFrontend();
    }
    return last;
  }

  /** The pool's members as Azure names instances ({@code <scale set>_<id>}), from the pool. */
  List<String> members() {
    JsonNode lb = ArmFake.json(arm.send("GET", id + NETWORK_API, null));
    List<String> out = new ArrayList<>();
    for (JsonNode pool : lb.at("/properties/backendAddressPools")) {
      for (JsonNode ipc : pool.at("/properties/backendIPConfigurations")) {
        // .../virtualMachineScaleSets/S/virtualMachines/I/networkInterfaces/...
        String[] p = ipc.path("id").asText().split("/");
        for (int i = 0; i + 3 < p.length; i++) {
          if (p[i].equalsIgnoreCase("virtualMachineScaleSets")) {
            out.add(p[i + 1] + "_" + p[i + 3]);
          }
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** Members whose instance view says the load balancer probe finds them healthy. */
  List<String> healthyMembers() {
    List<String> out = new ArrayList<>();
    for (String m : members()) {
      int cut = m.lastIndexOf('_');
      var view =
          arm.send(
              "GET",
              scaleSet(m.substring(0, cut))
                  + "/virtualMachines/"
                  + m.substring(cut + 1)
                  + "/instanceView"
                  + COMPUTE_API,
              null);
      if (view.statusCode() == 200
          && ArmFake.json(view)
              .at("/vmHealth/status/code")
              .asText()
              .equalsIgnoreCase("HealthState/healthy")) {
        out.add(m);
      }
    }
    return out;
  }

  /** The ARM path of scale set {@code name} in this load balancer's resource group. */
  String scaleSet(String name) {
    return arm.groupPath(rg) + "/providers/Microsoft.Compute/virtualMachineScaleSets/" + name;
  }

  /** GET of an ARM path with the compute API version; the document, or null on 404. */
  JsonNode compute(String path) {
    var r = arm.send("GET", path + COMPUTE_API, null);
    if (r.statusCode() == 404) {
      return null;
    }
    if (r.statusCode() != 200) {
      throw new UncheckedIOException(new IOException("GET " + path + ": " + r.body()));
    }
    return ArmFake.json(r);
  }
}
