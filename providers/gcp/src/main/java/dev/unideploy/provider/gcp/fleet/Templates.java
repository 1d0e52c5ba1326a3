package dev.unideploy.provider.gcp.fleet;

import com.google.cloud.compute.v1.AccessConfig;
import com.google.cloud.compute.v1.AttachedDisk;
import com.google.cloud.compute.v1.AttachedDiskInitializeParams;
import com.google.cloud.compute.v1.DeleteInstanceTemplateRequest;
import com.google.cloud.compute.v1.Image;
import com.google.cloud.compute.v1.InsertInstanceTemplateRequest;
import com.google.cloud.compute.v1.InstanceProperties;
import com.google.cloud.compute.v1.InstanceTemplate;
import com.google.cloud.compute.v1.Items;
import com.google.cloud.compute.v1.Metadata;
import com.google.cloud.compute.v1.NetworkInterface;
import com.google.cloud.compute.v1.ServiceAccount;
import com.google.cloud.compute.v1.ShieldedInstanceConfig;
import com.google.cloud.compute.v1.Tags;
import dev.unideploy.pipeline.qemu.DiskController;
import dev.unideploy.provider.gcp.api.GcpCallException;
import dev.unideploy.provider.gcp.api.GcpClients;
import dev.unideploy.provider.gcp.api.GlobalCalls;
import dev.unideploy.provider.gcp.config.GcpFleetSettings;
import dev.unideploy.provider.gcp.config.ImageLabels;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The instance template of one release: the image as boot disk on the controller the image was
 * verified on, the machine, the network, the service account, Shielded VM options that match the
 * image's boot mode (UEFI images only), serial port output sent to logging, and the labels every
 * instance carries.
 */
final class Templates {
  /** Sends the serial console to Cloud Logging too, so a boot can be read after the instance. */
  static final String SERIAL_LOGGING = "serial-port-logging-enable";

  private final GcpClients clients;
  private final GlobalCalls global;
  private final GcpFleetSettings fleet;
  private final DiskController controller;
  private final String project;

  Templates(
      GcpClients clients, GlobalCalls global, GcpFleetSettings fleet, DiskController controller) {
    this.clients = clients;
    this.global = global;
    this.fleet = fleet;
    this.controller = controller;
    this.project = clients.project();
  }

  /** The template for {@code group}, made if missing; returns its link. */
  String ensure(String group, GroupDescription release, Image image) {
    InstanceTemplate template = build(group, release, image);
    String id = UUID.randomUUID().toString();
    try {
      global.run(
          "deploy",
          "instanceTemplates.insert",
          "creating the instance template " + group,
          () ->
              clients
                  .instanceTemplates()
                  .insertCallable()
                  .call(
                      InsertInstanceTemplateRequest.newBuilder()
                          .setProject(project)
                          .setInstanceTemplateResource(template)
                          .setRequestId(id)
                          .build()));
    } catch (GcpCallException e) {
      if (!e.conflict()) {
        throw e;
      }
      // An earlier, interrupted run made it: use it (templates are immutable, and named per
      // release, so it is this release's).
    }
    return "projects/" + project + "/global/instanceTemplates/" + group;
  }

  InstanceTemplate build(String group, GroupDescription release, Image image) {
    boolean uefi =
        image.getGuestOsFeaturesList().stream()
            .anyMatch(f -> f.getType().equals("UEFI_COMPATIBLE"));
    AttachedDiskInitializeParams.Builder init =
        AttachedDiskInitializeParams.newBuilder()
            .setSourceImage(release.imageId())
            .setDiskType(fleet.diskType());
    if (fleet.diskSizeGb() != null) {
      init.setDiskSizeGb(fleet.diskSizeGb());
    }
    NetworkInterface.Builder nic = NetworkInterface.newBuilder().setNetwork(network());
    if (fleet.subnetwork() != null) {
      nic.setSubnetwork(fleet.subnetwork());
    }
    if (fleet.externalIp()) {
      nic.addAccessConfigs(
          AccessConfig.newBuilder().setName("External NAT").setType("ONE_TO_ONE_NAT"));
    }
    Map<String, String> labels = new LinkedHashMap<>(fleet.labels());
    labels.put(ImageLabels.MANAGED_BY, ImageLabels.UNIDEPLOY);
    labels.put(ImageLabels.APP, release.app());
    labels.put("unideploy-group", group);
    if (release.version() != null) {
      labels.put(ImageLabels.APP_VERSION, ImageLabels.value(release.version()));
    }
    InstanceProperties.Builder p =
        InstanceProperties.newBuilder()
            .setMachineType(fleet.machineType())
            .addDisks(
                AttachedDisk.newBuilder()
                    .setBoot(true)
                    .setAutoDelete(true)
                    .setType("PERSISTENT")
                    .setMode("READ_WRITE")
                    .setInterface(controller == DiskController.NVME ? "NVME" : "SCSI")
                    .setInitializeParams(init))
            .addNetworkInterfaces(nic)
            .putAllLabels(labels)
            .setMetadata(
                Metadata.newBuilder()
                    .addItems(Items.newBuilder().setKey(SERIAL_LOGGING).setValue("true")));
    if (!fleet.tags().isEmpty()) {
      p.setTags(Tags.newBuilder().addAllItems(fleet.tags()));
    }
    if (fleet.serviceAccount() != null) {
      p.addServiceAccounts(
          ServiceAccount.newBuilder()
              .setEmail(fleet.serviceAccount())
              .addAllScopes(fleet.scopes()));
    }
    if (uefi) {
      // Shielded VM needs UEFI; secure boot only for signed boot loaders (off by default:
      // unikernel images are seldom signed).
      p.setShieldedInstanceConfig(
          ShieldedInstanceConfig.newBuilder()
              .setEnableSecureBoot(fleet.secureBoot())
              .setEnableVtpm(true)
              .setEnableIntegrityMonitoring(true));
    }
    return InstanceTemplate.newBuilder()
        .setName(group)
        .setDescription(release.text())
        .setProperties(p)
        .build();
  }

  /** Deletes the template; gone already is done. */
  void delete(String group) {
    String id = UUID.randomUUID().toString();
    try {
      global.run(
          "deploy",
          "instanceTemplates.delete",
          "deleting the instance template " + group,
          () ->
              clients
                  .instanceTemplates()
                  .deleteCallable()
                  .call(
                      DeleteInstanceTemplateRequest.newBuilder()
                          .setProject(project)
                          .setInstanceTemplate(group)
                          .setRequestId(id)
                          .build()));
    } catch (GcpCallException e) {
      if (!e.notFound()) {
        throw e;
      }
    }
  }

  private String network() {
    String n = fleet.network();
    return n.contains("/") ? n : "projects/" + project + "/global/networks/" + n;
  }
}
