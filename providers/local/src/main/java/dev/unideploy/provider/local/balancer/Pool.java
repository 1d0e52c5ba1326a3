package dev.unideploy.provider.local.balancer;

import dev.unideploy.provider.local.balancer.BalancerStatus.State;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The balancer's backends and their health. New connections go round-robin to healthy backends (to
 * those not checked yet when none is healthy, so a first deploy serves at once); backends that left
 * the config drain: they take no new connection and are forgotten once their last one closes.
 * Health moves like a cloud load balancer's: a new backend is healthy after one good check, a
 * healthy one unhealthy after {@value #FALL} failed checks in a row, back after {@value #RISE}.
 */
final class Pool {
  static final int RISE = 2;
  static final int FALL = 2;

  /** One backend and what the balancer knows of it. */
  static final class Member {
    final BalancerConfig.Backend backend;
    final InetSocketAddress address;
    State state = State.INITIAL;
    boolean inConfig = true;
    int active;
    int good;
    int bad;
    String detail = "not checked yet";

    Member(BalancerConfig.Backend backend) {
      this.backend = backend;
      this.address = new InetSocketAddress(backend.host(), backend.port());
    }
  }

  private final Map<String, Member> members = new LinkedHashMap<>();
  private long generation = -1;
  private int next;

  /** Applies a config: new backends join, missing ones drain. */
  synchronized void apply(BalancerConfig config) {
    Set<String> wanted = new java.util.HashSet<>();
    for (BalancerConfig.Backend b : config.backends()) {
      String key = key(b);
      wanted.add(key);
      Member m = members.get(key);
      if (m == null) {
        members.put(key, new Member(b));
      } else if (!m.inConfig) {
        m.inConfig = true; // Back in service before it finished draining.
        m.state = State.INITIAL;
        m.good = 0;
        m.bad = 0;
      }
    }
    for (Map.Entry<String, Member> e : members.entrySet()) {
      if (!wanted.contains(e.getKey()) && e.getValue().inConfig) {
        e.getValue().inConfig = false;
        e.getValue().state = State.DRAINING;
      }
    }
    forgetDrained();
    generation = config.generation();
  }

  private static String key(BalancerConfig.Backend b) {
    return b.id() + "@" + b.host() + ":" + b.port();
  }

  synchronized long generation() {
    return generation;
  }

  /** The backends to health-check now. */
  synchronized List<Member> inConfig() {
    return members.values().stream().filter(m -> m.inConfig).toList();
  }

  /** Records a health check's result. */
  synchronized void checked(Member m, boolean ok, String detail) {
    if (!m.inConfig) {
      return;
    }
    m.detail = detail;
    if (ok) {
      m.good++;
      m.bad = 0;
      if (m.state == State.INITIAL || (m.state == State.UNHEALTHY && m.good >= RISE)) {
        m.state = State.HEALTHY;
      }
    } else {
      m.bad++;
      m.good = 0;
      if (m.state == State.INITIAL || (m.state == State.HEALTHY && m.bad >= FALL)) {
        m.state = State.UNHEALTHY;
      }
    }
  }

  /**
   * The backend for a new connection, skipping {@code tried}; null when none is left. Counts the
   * connection as open on it until {@link #release}.
   */
  synchronized Member acquire(List<Member> tried) {
    List<Member> healthy = new ArrayList<>();
    List<Member> unchecked = new ArrayList<>();
    for (Member m : members.values()) {
      if (!m.inConfig || tried.contains(m)) {
        continue;
      }
      if (m.state == State.HEALTHY) {
        healthy.add(m);
      } else if (m.state == State.INITIAL) {
        unchecked.add(m);
      }
    }
    List<Member> from = healthy.isEmpty() ? unchecked : healthy;
    if (from.isEmpty()) {
      return null;
    }
    Member m = from.get(Math.floorMod(next++, from.size()));
    m.active++;
    return m;
  }

  /** A connection on {@code m} ended (or moved to another backend). */
  synchronized void release(Member m) {
    m.active--;
    forgetDrained();
  }

  /** A backend refused or dropped a connection before answering: check it again soon. */
  synchronized void suspect(Member m, String why) {
    checked(m, false, why);
  }

  private void forgetDrained() {
    members.values().removeIf(m -> !m.inConfig && m.active <= 0);
  }

  synchronized List<BalancerStatus.BackendStatus> status() {
    List<BalancerStatus.BackendStatus> out = new ArrayList<>();
    for (Member m : members.values()) {
      out.add(
          new BalancerStatus.BackendStatus(
              m.backend.id(), m.backend.group(), m.state, m.active, m.detail));
    }
    return out;
  }
}
