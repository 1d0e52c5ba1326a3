package dev.unideploy.provider.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {

  @Test
  void portsAreDistinctAndFreeOnLoopback() throws Exception {
    List<Integer> ports = PortAllocator.allocate(6, Set.of());
    assertThat(ports).hasSize(6).doesNotHaveDuplicates().allMatch(p -> p > 0 && p < 65536);
    List<ServerSocket> bound = new ArrayList<>();
    try {
      for (int p : ports) {
        bound.add(new ServerSocket(p, 1, InetAddress.getLoopbackAddress()));
      }
    } finally {
      for (ServerSocket s : bound) {
        s.close();
      }
    }
  }

  @Test
  void excludedPortsAreNeverReturned() {
    Set<Integer> exclude = new HashSet<>(PortAllocator.allocate(20, Set.of()));
    for (int round = 0; round < 5; round++) {
      assertThat(PortAllocator.allocate(4, exclude)).doesNotContainAnyElementsOf(exclude);
    }
  }

  @Test
  void aPortInUseIsNotReturned() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      for (int round = 0; round < 10; round++) {
        assertThat(PortAllocator.allocate(3, Set.of())).doesNotContain(busy.getLocalPort());
      }
    }
  }
}
