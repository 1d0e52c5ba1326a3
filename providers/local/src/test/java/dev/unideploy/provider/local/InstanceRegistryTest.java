package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceRegistryTest {
  @TempDir Path tmp;

  static GroupRecord group(String name, String app, Instant at, List<InstanceRecord> instances) {
    return new GroupRecord(
        name,
        app,
        "1.0",
        "0123456789ab",
        "0123456789ab".repeat(5) + "0123",
        "/store/blobs/x.raw",
        at,
        false,
        List.of(8080),
        128,
        "tcg",
        instances.size(),
        instances);
  }

  static InstanceRecord instance(String name, long pid, long start, int hostPort) {
    return new InstanceRecord(
        name,
        pid,
        start,
        Instant.parse("2026-01-01T00:00:00Z"),
        List.of(new InstanceRecord.Port(hostPort, 8080)),
        "/logs/" + name,
        "/logs/" + name + ".serial.log",
        "/logs/" + name + ".qemu.log",
        "tcg",
        null);
  }

  @Test
  void stateWrittenByOneRegistryIsReadByAFreshOne() {
    LocalHome home = LocalHome.at(tmp);
    InstanceRegistry first = new InstanceRegistry(home);
    GroupRecord g =
        group(
            "web-v001",
            "web",
            Instant.parse("2026-01-01T00:00:00Z"),
            List.of(
                instance("web-v001-0", 4242, 99, 40001), instance("web-v001-1", 4243, 100, 40002)));
    first.save(g);
    first.update("web-v001", r -> r.withInService(true));

    InstanceRegistry second = new InstanceRegistry(LocalHome.at(tmp));
    GroupRecord back = second.group("web-v001").orElseThrow();
    assertThat(back).isEqualTo(g.withInService(true));
    assertThat(back.instances().get(1).identity()).isEqualTo(new ProcessIdentity(4243, 100));
    assertThat(second.groupOfInstance("web-v001-1")).map(GroupRecord::name).contains("web-v001");
    assertThat(second.portsInUse()).containsExactlyInAnyOrder(40001, 40002);
  }

  @Test
  void stoppedInstancesReleaseTheirPortsAndLeaveTheActiveList() {
    InstanceRegistry r = new InstanceRegistry(LocalHome.at(tmp));
    r.save(
        group(
            "web-v001",
            "web",
            Instant.EPOCH,
            List.of(instance("web-v001-0", 1, 1, 40001), instance("web-v001-1", 2, 2, 40002))));
    r.update("web-v001", g -> g.withChanged("web-v001-0", i -> i.stopped(Instant.EPOCH)));
    GroupRecord g = r.group("web-v001").orElseThrow();
    assertThat(g.activeInstances()).extracting(InstanceRecord::name).containsExactly("web-v001-1");
    assertThat(g.instances()).hasSize(2);
    assertThat(r.portsInUse()).containsExactly(40002);
  }

  @Test
  void instanceRecordsAreOwnerOnlyWhateverTheUmask() throws Exception {
    InstanceRegistry r = new InstanceRegistry(LocalHome.at(tmp.resolve("home")));
    r.save(group("web-v001", "web", Instant.EPOCH, List.of()));
    java.nio.file.Path record = tmp.resolve("home").resolve("instances").resolve("web-v001.json");
    assertThat(java.nio.file.Files.exists(record)).isTrue();
    assertThat(perms(record)).isEqualTo("rw-------");
    assertThat(perms(record.getParent())).isEqualTo("rwx------");
  }

  private static String perms(java.nio.file.Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(p));
  }

  @Test
  void listsGroupsPerAppOldestFirst() {
    InstanceRegistry r = new InstanceRegistry(LocalHome.at(tmp));
    r.save(group("web-v002", "web", Instant.parse("2026-01-02T00:00:00Z"), List.of()));
    r.save(group("web-v001", "web", Instant.parse("2026-01-01T00:00:00Z"), List.of()));
    r.save(group("api-v001", "api", Instant.parse("2026-01-03T00:00:00Z"), List.of()));
    assertThat(r.groups("web"))
        .extracting(GroupRecord::name)
        .containsExactly("web-v001", "web-v002");
    assertThat(r.groups(null)).hasSize(3);
  }
}
