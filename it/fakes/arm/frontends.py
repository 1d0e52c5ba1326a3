"""A load balancer's data path: each load-balancing rule whose frontend IP configuration has a
loopback privateIPAddress (127.x.y.z) listens on that address and the rule's frontendPort, and
forwards every TCP connection to a pool member that the rule's probe finds healthy, round robin,
on the rule's backendPort (the member's QEMU forwards it to the guest). With no healthy member the
connection is closed at once, as Azure drops flows when every backend is down
(https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview).

A member counts as healthy when the rule's probe is its scale set's health probe and that probe's
last verdict was healthy; a member of a scale set with another health probe counts when its
instance runs (the fake probes only the scale set's own health probe)."""
import itertools
import socket
import threading

from . import vmss
from .errors import invalid


class Frontends:
    def __init__(self, fake):
        self.fake = fake
        self.lock = threading.Lock()
        self.listeners = {}  # (lb id lower, rule name) -> _Listener
        self.turn = itertools.count()

    def sync(self, lb):
        """Listens for every loopback rule of `lb` (raises 400 when a port cannot be bound)."""
        wanted = {}
        props = lb["properties"]
        frontends = {f["id"].lower(): f for f in props["frontendIPConfigurations"]}
        for rule in props["loadBalancingRules"]:
            p = rule["properties"]
            fe = frontends.get(((p.get("frontendIPConfiguration") or {}).get("id") or "").lower())
            ip = ((fe or {}).get("properties") or {}).get("privateIPAddress") or ""
            if not ip.startswith("127.") or str(p.get("protocol", "Tcp")).lower() not in ("tcp", "all"):
                continue
            wanted[(lb["id"].lower(), rule["name"])] = (ip, p.get("frontendPort"), p)
        with self.lock:
            for key in [k for k in self.listeners if k[0] == lb["id"].lower()]:
                old = self.listeners[key]
                if key not in wanted or wanted[key][:2] != (old.ip, old.port):
                    old.close()
                    del self.listeners[key]
                else:
                    old.rule = wanted[key][2]
            for key, (ip, port, rule) in wanted.items():
                if key in self.listeners:
                    continue
                try:
                    self.listeners[key] = _Listener(self, ip, port, rule)
                except OSError as e:
                    raise invalid(f"The fake cannot listen on the frontend {ip}:{port} of rule {key[1]}: {e}; "
                                  "pick another frontendPort.", "frontendPort")

    def close(self, lb_id):
        with self.lock:
            for key in [k for k in self.listeners if k[0] == lb_id.lower()]:
                self.listeners.pop(key).close()

    def close_all(self):
        with self.lock:
            for listener in self.listeners.values():
                listener.close()
            self.listeners.clear()

    def backend(self, rule):
        """The (host, port) of the next healthy member of the rule's pool, or None."""
        pool = (rule.get("backendAddressPool") or {}).get("id")
        probe = ((rule.get("probe") or {}).get("id") or "").lower()
        port = rule.get("backendPort")
        if not pool or not isinstance(port, int):
            return None
        healthy = []
        for s, inst in vmss.pool_backends(self.fake, pool):
            own = ((s["properties"]["virtualMachineProfile"].get("networkProfile") or {})
                   .get("healthProbe") or {}).get("id", "").lower()
            machine = inst.get("_vm")
            if machine is None or port not in machine.guest_ports:
                continue
            if own == probe and probe:
                if self.fake.probe_state(f"{s['id']}/{inst['instanceId']}") != "HEALTHY":
                    continue
            elif machine.status() != "RUNNING":
                continue
            healthy.append(machine)
        if not healthy:
            return None
        machine = healthy[next(self.turn) % len(healthy)]
        try:
            return "127.0.0.1", machine.host_port(port)
        except Exception:
            return None


class _Listener:
    def __init__(self, frontends, ip, port, rule):
        self.frontends, self.ip, self.port, self.rule = frontends, ip, port, rule
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((ip, port))
            self.sock.listen(64)
        except OSError:
            self.sock.close()
            raise
        self.closed = False
        threading.Thread(target=self._accept, name=f"lb-{ip}:{port}", daemon=True).start()

    def close(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        target = self.frontends.backend(self.rule)
        if target is None:
            client.close()
            return
        try:
            upstream = socket.create_connection(target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
        _pump(client, upstream)


def _pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_WR if s is dst else socket.SHUT_RD)
            except OSError:
                pass
        try:
            src.close()
        except OSError:
            pass
