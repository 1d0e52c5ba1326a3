"""Health checks of Vm instances as a cloud load balancer makes them: an HTTP(S) GET that must
answer a success status, or a TCP connection the guest must accept, every `interval` seconds; a
target turns HEALTHY after `healthy_threshold` successes in a row and UNHEALTHY after
`unhealthy_threshold` failures in a row, and is UNKNOWN until either happens.

QEMU's user-mode network accepts every connection to a forwarded port at once, before the guest
has answered, and only then connects to the guest (libslirp tcp_listen/tcp_connect). So a bare TCP
connect proves nothing: the TCP check asks QEMU ("info usernet") whether the guest side of that
connection reached ESTABLISHED, and the HTTP check needs a status line back.
"""

import concurrent.futures
import re
import socket
import ssl
import threading
import time

PROTOCOLS = ("http", "https", "tcp")
STATES = ("UNKNOWN", "HEALTHY", "UNHEALTHY")
MAX_STATUS_LINE = 8192

_STATUS_LINE = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})\b")
# "  TCP[ESTABLISHED]   25  127.0.0.1  40123  10.0.2.15  80  0  0": state, fd, source, port, ...
_USERNET_ROW = re.compile(r"^\s*TCP\[([A-Z_]+)\]\s+-?\d+\s+(\S+)\s+(\d+)\s+\S+\s+(\d+)")


class _Target:
    def __init__(self, key, vm, protocol, port, path, interval, timeout, healthy, unhealthy, codes):
        self.key, self.vm, self.protocol, self.port, self.path = key, vm, protocol, port, path
        self.interval, self.timeout = interval, timeout
        self.healthy_threshold, self.unhealthy_threshold = healthy, unhealthy
        self.success_codes = codes
        self.state = "UNKNOWN"
        self.successes = 0  # in a row
        self.failures = 0   # in a row
        self.probes = 0
        self.detail = "not probed yet"
        self.next_due = time.monotonic()
        self.in_flight = False


class HealthProber:
    """A background thread probing watched Vms; thread-safe. close() ends it."""

    def __init__(self, *, max_workers=8):
        self._cond = threading.Condition()
        self._targets = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix="fakecloud-probe")
        self._thread = None
        self._closed = False

    def watch(self, key, vm, *, protocol="http", port=80, path="/", interval=1.0, timeout=1.0,
              healthy_threshold=2, unhealthy_threshold=2, success_codes=(200,)) -> None:
        """Starts probing `vm` under `key` (replacing an earlier watch of that key, state UNKNOWN)."""
        protocol = str(protocol).lower()
        if protocol not in PROTOCOLS:
            raise ValueError(f"bad health check protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"bad health check port {port!r}: give 1-65535")
        if not isinstance(path, str) or not path.startswith("/") or any(c in path for c in " \r\n"):
            raise ValueError(f"bad health check path {path!r}: give an absolute path without spaces")
        if not interval > 0 or not timeout > 0:
            raise ValueError(f"interval and timeout must be positive, were {interval!r} and {timeout!r}")
        for name, n in (("healthy_threshold", healthy_threshold), ("unhealthy_threshold", unhealthy_threshold)):
            if not isinstance(n, int) or n < 1:
                raise ValueError(f"bad {name} {n!r}: give an integer >= 1")
        target = _Target(key, vm, protocol, port, path, float(interval), float(timeout),
                         healthy_threshold, unhealthy_threshold, tuple(success_codes))
        with self._cond:
            if self._closed:
                raise RuntimeError("this HealthProber is closed")
            self._targets[key] = target
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fakecloud-health", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def unwatch(self, key) -> None:
        """Stops probing `key`; unknown keys are ignored."""
        with self._cond:
            self._targets.pop(key, None)
            self._cond.notify_all()

    def state(self, key) -> str:
        """UNKNOWN (not enough probes yet), HEALTHY or UNHEALTHY."""
        return self._target(key).state

    def detail(self, key) -> str:
        """The last probe's outcome, e.g. "HTTP 200" or "instance STOPPED"."""
        return self._target(key).detail

    def wait_for(self, key, state, timeout) -> bool:
        """Waits until `key` is in `state`; False when the timeout passed first."""
        if state not in STATES:
            raise ValueError(f"bad state {state!r}: use one of {', '.join(STATES)}")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._target(key).state != state:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._targets.clear()
            self._cond.notify_all()
        self._pool.shutdown(wait=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _target(self, key):
        with self._cond:
            t = self._targets.get(key)
        if t is None:
            raise KeyError(f"no health check watches {key!r}")
        return t

    def _run(self):
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                wake = now + 1.0
                for t in self._targets.values():
                    if not t.in_flight and t.next_due <= now:
                        t.in_flight = True
                        t.next_due = now + t.interval
                        self._pool.submit(self._probe, t)
                    if not t.in_flight:
                        wake = min(wake, t.next_due)
                self._cond.wait(max(0.01, wake - now))

    def _probe(self, t):
        try:
            ok, detail = probe(t.vm, t.protocol, t.port, t.path, t.timeout, t.success_codes)
        except Exception as e:  # a probe must never kill the prober
            ok, detail = False, f"probe error: {e.__class__.__name__}: {e}"
        with self._cond:
            t.in_flight = False
            if self._targets.get(t.key) is t:
                t.probes += 1
                t.detail = detail
                if ok:
                    t.successes, t.failures = t.successes + 1, 0
                    if t.successes >= t.healthy_threshold:
                        t.state = "HEALTHY"
                else:
                    t.successes, t.failures = 0, t.failures + 1
                    if t.failures >= t.unhealthy_threshold:
                        t.state = "UNHEALTHY"
            self._cond.notify_all()


def probe(vm, protocol, port, path="/", timeout=1.0, success_codes=(200,)):
    """One health check of `vm`'s guest `port`: (success, what happened)."""
    status = vm.status()
    if status != "RUNNING":
        return False, f"instance {status}"
    try:
        host_port = vm.host_port(port)
    except Exception as e:
        return False, str(e)
    try:
        if protocol == "tcp":
            return _tcp(vm, host_port, timeout)
        return _http(host_port, path, timeout, protocol == "https", success_codes)
    except socket.timeout:
        return False, f"no answer within {timeout:g} s"
    except (OSError, ssl.SSLError) as e:
        return False, f"{e.__class__.__name__}: {e}"


def _http(host_port, path, timeout, tls, success_codes):
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", host_port), timeout=timeout) as raw:
        s = raw
        if tls:
            # A load balancer's HTTPS check does not validate the backend's certificate.
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(raw)
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fakecloud-health-check\r\n"
                   "Connection: close\r\n\r\n").encode("ascii"))
        line = b""
        while b"\n" not in line and len(line) < MAX_STATUS_LINE:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            chunk = s.recv(1024)
            if not chunk:
                break
            line += chunk
    m = _STATUS_LINE.match(line)
    if not m:
        return False, "connection closed without an HTTP status line" if not line else "no HTTP status line"
    code = int(m.group(1))
    return code in success_codes, f"HTTP {code}"


def _tcp(vm, host_port, timeout):
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", host_port), timeout=timeout):
        while True:
            if guest_established(vm.hmp("info usernet", timeout=max(0.5, deadline - time.monotonic())),
                                 host_port):
                return True, "TCP connection accepted"
            if time.monotonic() >= deadline:
                return False, "the guest did not accept the TCP connection"
            time.sleep(0.05)


def guest_established(usernet, host_port):
    """Whether `info usernet` lists a connection forwarded from host_port that the guest accepted.

    libslirp lists a forwarded connection with the forward's host address and port as "source";
    a guest that does not listen leaves it in SYN_SENT.
    """
    for line in usernet.splitlines():
        m = _USERNET_ROW.match(line)
        if m and int(m.group(3)) == host_port and m.group(1) == "ESTABLISHED":
            return True
    return False
