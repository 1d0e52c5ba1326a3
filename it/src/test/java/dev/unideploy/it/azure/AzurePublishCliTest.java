package dev.unideploy.it.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.unideploy.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code unideploy publish --provider azure} end to end against the ARM fake and Azurite, the way a
 * user runs it: the provider is found by ServiceLoader and the credential is {@code
 * DefaultAzureCredential}, whose environment credential gets its token from the fake's Entra ID
 * token endpoint (the settings it reads from the environment are given as system properties, which
 * the Azure SDK's configuration reads first).
 */
class AzurePublishCliTest {
  private static final String[] CREDENTIAL = {
    "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"
  };
  private static ArmFake arm;

  @TempDir Path dir;

  @BeforeAll
  static void credentials() {
    arm = ArmFake.get();
    System.setProperty("AZURE_TENANT_ID", arm.tenant());
    System.setProperty("AZURE_CLIENT_ID", "cli-test");
    System.setProperty("AZURE_CLIENT_SECRET", "not-a-secret");
  }

  @AfterAll
  static void clear() {
    for (String k : CREDENTIAL) {
      System.clearProperty(k);
    }
  }

  private record Cli(int exit, String stdout) {
    JsonNode json() throws Exception {
      return ArmFake.JSON.readTree(stdout);
    }
  }

  private static synchronized Cli run(String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      int exit = Main.run(args);
      capture.flush();
      return new Cli(exit, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(saved);
    }
  }

  private Path config(String app, String rg) throws Exception {
    Path file = dir.resolve(app + ".yaml");
    Files.writeString(
        file,
        """
        app: %s
        version: "3.1.4"
        providers:
          azure:
            subscription: %s
            tenant: %s
            resourceGroup: %s
            location: %s
            targetRegions: [eastus2]
            endpoints: {resourceManager: "%s", authorityHost: "%s", caCertificate: "%s"}
            waits: {pollInterval: 100ms, operation: 2m, replication: 2m}
        """
            .formatted(
                app,
                arm.subscription(),
                arm.tenant(),
                rg,
                arm.location(),
                arm.endpoint(),
                arm.endpoint(),
                arm.caCert()));
    return file;
  }

  private Cli publish(Path config, Path disk) {
    return run(
        "publish",
        "--output",
        "json",
        "--provider",
        "azure",
        "--image",
        disk.toString(),
        "--config",
        config.toString(),
        "--no-verify",
        "--state",
        dir.resolve("state").toString());
  }

  @Test
  void publishesThroughDefaultAzureCredentialAndChangesNothingTheSecondTime() throws Exception {
    String rg = arm.newResourceGroup("cli");
    String app = AzurePublish.uniqueApp("cli");
    Path config = config(app, rg);
    Path disk = AzurePublishTest.disk(dir, 42);

    Cli first = publish(config, disk);
    assertThat(first.exit()).as(first.stdout()).isZero();
    JsonNode r = first.json();
    assertThat(r.at("/image/id").asText())
        .endsWith("/galleries/unideploy/images/" + app + "/versions/3.1.4");
    assertThat(r.at("/upload/details/putPageCalls").asText()).isEqualTo("3");
    assertThat(r.get("regions")).hasSize(2);
    assertThat(r.get("failedRegions")).isEmpty();

    Cli second = publish(config, disk);
    assertThat(second.exit()).as(second.stdout()).isZero();
    assertThat(second.json().get("reused").asBoolean()).isTrue();
    assertThat(second.json().has("upload")).isFalse();
    JsonNode disks =
        ArmFake.json(
            arm.send(
                "GET",
                arm.groupPath(rg) + "/providers/Microsoft.Compute/disks?api-version=2024-03-02",
                null));
    assertThat(disks.get("value")).hasSize(1);
  }

  @Test
  void aMissingResourceGroupFailsWithAzuresError() throws Exception {
    Path config = config(AzurePublish.uniqueApp("norg"), "no-such-group");
    Cli run = publish(config, AzurePublishTest.disk(dir, 43));
    assertThat(run.exit()).isEqualTo(1);
  }
}
