package dev.unideploy.provider.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Picks free TCP ports on the loopback address (never on all interfaces: an instance under test
 * must not be reachable from the network). All sockets of one request stay bound until every port
 * is chosen, so the ports are distinct; ports other instances recorded are skipped even if their
 * QEMU is momentarily not listening.
 *
 * <p>There is a window between releasing a port and QEMU binding it; the launcher closes it by
 * retrying with new ports when QEMU reports it could not set up host forwarding.
 */
public final class PortAllocator {
  private static final int MAX_TRIES_PER_PORT = 50;

  private PortAllocator() {}

  public static List<Integer> allocate(int count, Set<Integer> exclude) {
    List<ServerSocket> held = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        int tries = 0;
        while (true) {
          ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          held.add(s);
          int port = s.getLocalPort();
          if (!exclude.contains(port)) {
            ports.add(port);
            break;
          }
          if (++tries >= MAX_TRIES_PER_PORT) {
            throw new IOException("no free loopback port outside " + exclude.size() + " in use");
          }
        }
      }
      return ports;
    } catch (IOException e) {
      throw new dev.unideploy.pipeline.UnideployException(
          "could not find a free TCP port on 127.0.0.1: "
              + e.getMessage()
              + "; stop unused instances (unideploy instances list)",
          e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          // Closing a listening socket that accepted nothing cannot lose data.
        }
      }
    }
  }
}
