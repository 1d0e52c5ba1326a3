"""Tests of the ARM fake's load balancer data path (frontends.py), its 400/404 error bodies for
load balancers and the 202/409 of deleting one scale-set instance, driven through the fake's own
dispatch as the HTTPS server drives it.

The pool members stand in for booted instances: small HTTP servers on loopback ports that say who
they are (test_vm.py covers the real QEMU instances); membership and probe verdicts are set as the
scale-set code sets them.

    cd it/fakes && python3 -m pytest -q arm/test_frontends.py
"""
import http.server
import socket
import tempfile
import threading
import unittest

from arm.app import Fake
from arm.errors import ArmError
from arm.server import Ctx
from arm.vmss import T as VMSS

SUB = "00000000-0000-0000-0000-000000000000"
RG = "rg"
NET = {"api-version": "2024-05-01"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Member:
    """An HTTP server answering 'member NAME', standing in for one instance's forwarded guest port."""

    def __init__(self, name):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = f"member {name}".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.guest_ports = (80,)
        self.running = True

    def status(self):
        return "RUNNING" if self.running else "SHUTDOWN"

    def host_port(self, port):
        assert port == 80
        return self.server.server_address[1]

    def stop(self):
        self.running = False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def get(port):
    """The body the frontend answers on 127.0.0.1:port, or None when it drops the connection."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\r\nHost: lb\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
    except OSError:
        return None
    if not data:
        return None
    return data.split(b"\r\n\r\n", 1)[1].decode()


class FrontendTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.fake = Fake("https://127.0.0.1:1", SUB, None, self.dir.name, lro_seconds=0)
        self.fake.groups[RG] = {"name": RG}
        self.verdicts = {}
        self.fake.probe_state = lambda key: self.verdicts.get(key, "UNKNOWN")
        self.members = []
        self.lb = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/loadBalancers/lb"
        self.pool = f"{self.lb}/backendAddressPools/pool"
        self.probe = f"{self.lb}/probes/http"
        self.port = free_port()

    def tearDown(self):
        self.fake.frontends.close_all()
        for m in self.members:
            m.close()
        self.dir.cleanup()

    def put_lb(self, port=None, frontend_ip="127.0.0.1"):
        body = {"location": "westeurope", "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"privateIPAddress": frontend_ip}}],
            "backendAddressPools": [{"name": "pool"}],
            "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/"}}],
            "loadBalancingRules": [{"name": "web", "properties": {
                "protocol": "Tcp", "frontendPort": port or self.port, "backendPort": 80,
                "frontendIPConfiguration": {"id": f"{self.lb}/frontendIPConfigurations/fe"},
                "backendAddressPool": {"id": self.pool}, "probe": {"id": self.probe}}}]}}
        return self.fake.dispatch(Ctx("PUT", self.lb, NET, body))

    def scale_set(self, name, members, in_pool=True):
        """A scale set whose instances are `members`, with the load balancer probe as health probe."""
        rid = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
        pools = [{"id": self.pool}] if in_pool else []
        network = {"healthProbe": {"id": self.probe}, "networkInterfaceConfigurations": [
            {"name": "nic", "properties": {"ipConfigurations": [
                {"name": "ip", "properties": {"loadBalancerBackendAddressPools": pools}}]}}]}
        instances = {}
        for i, m in enumerate(members):
            self.members.append(m)
            instances[str(i)] = {"instanceId": str(i), "_vm": m, "_applied": network}
        self.fake.put(rid, {"id": rid, "name": name, "type": VMSS, "location": "westeurope",
                            "sku": {"name": "Standard_B1s", "capacity": len(members)},
                            "properties": {"virtualMachineProfile": {"networkProfile": network},
                                           "provisioningState": "Succeeded"},
                            "_instances": instances})
        return rid

    def test_forwards_only_to_members_the_probe_finds_healthy(self):
        self.put_lb()
        rid = self.scale_set("web-v001", [_Member("a")])
        self.assertIsNone(get(self.port), "no verdict yet: Azure sends no flow to the member")
        self.verdicts[f"{rid}/0"] = "HEALTHY"
        self.assertEqual(get(self.port), "member a")
        self.verdicts[f"{rid}/0"] = "UNHEALTHY"
        self.assertIsNone(get(self.port))

    def test_spreads_connections_over_healthy_members(self):
        self.put_lb()
        rid = self.scale_set("web-v001", [_Member("a"), _Member("b")])
        self.verdicts.update({f"{rid}/0": "HEALTHY", f"{rid}/1": "HEALTHY"})
        self.assertEqual({get(self.port) for _ in range(6)}, {"member a", "member b"})

    def test_members_outside_the_pool_get_no_traffic(self):
        self.put_lb()
        out = self.scale_set("web-v001", [_Member("old")], in_pool=False)
        inside = self.scale_set("web-v002", [_Member("new")])
        self.verdicts.update({f"{out}/0": "HEALTHY", f"{inside}/0": "HEALTHY"})
        self.assertEqual({get(self.port) for _ in range(4)}, {"member new"})
        pool = self.fake.dispatch(Ctx("GET", self.lb, NET, None))[1]["properties"]["backendAddressPools"][0]
        self.assertEqual([c["id"] for c in pool["properties"]["backendIPConfigurations"]],
                         [f"{inside}/virtualMachines/0/networkInterfaces/nic/ipConfigurations/ip"])

    def test_a_frontend_that_is_not_loopback_listens_nowhere(self):
        self.put_lb(frontend_ip="10.0.0.4")
        rid = self.scale_set("web-v001", [_Member("a")])
        self.verdicts[f"{rid}/0"] = "HEALTHY"
        self.assertIsNone(get(self.port))

    def test_moving_the_frontend_port_closes_the_old_listener(self):
        self.put_lb()
        rid = self.scale_set("web-v001", [_Member("a")])
        self.verdicts[f"{rid}/0"] = "HEALTHY"
        moved = free_port()
        self.put_lb(port=moved)
        self.assertEqual(get(moved), "member a")
        self.assertIsNone(get(self.port))

    def test_deleting_the_load_balancer_closes_its_frontend(self):
        self.put_lb()
        rid = self.scale_set("web-v001", [_Member("a")])
        self.verdicts[f"{rid}/0"] = "HEALTHY"
        self.assertEqual(get(self.port), "member a")
        self.fake.remove(rid)  # Azure refuses to delete a load balancer a scale set uses
        status, _, headers = self.fake.dispatch(Ctx("DELETE", self.lb, NET, None))
        self.assertEqual(status, 202)
        self.assertIn("Azure-AsyncOperation", headers)
        self.assertIsNone(get(self.port))
        with self.assertRaises(ArmError) as e:
            self.fake.dispatch(Ctx("GET", self.lb, NET, None))
        self.assertEqual((e.exception.status, e.exception.code), (404, "ResourceNotFound"))

    def test_a_frontend_port_that_is_taken_is_a_400_naming_the_port(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            port = taken.getsockname()[1]
            with self.assertRaises(ArmError) as e:
                self.put_lb(port=port)
        self.assertEqual(e.exception.status, 400)
        self.assertEqual(e.exception.body()["error"]["code"], "InvalidParameter")
        self.assertIn(f"127.0.0.1:{port}", e.exception.message)
        with self.assertRaises(ArmError):  # nothing half-made: the load balancer does not exist
            self.fake.dispatch(Ctx("GET", self.lb, NET, None))


    def test_deleting_an_instance_lowers_the_capacity_and_takes_it_out_of_the_pool(self):
        self.put_lb()
        rid = self.scale_set("web-v001", [_Member("a"), _Member("b")])
        self.verdicts.update({f"{rid}/0": "HEALTHY", f"{rid}/1": "HEALTHY"})
        status, _, headers = self.fake.dispatch(Ctx("DELETE", f"{rid}/virtualMachines/0",
                                                     {"api-version": "2024-07-01"}, None))
        self.assertEqual(status, 202)
        op = self.fake.ops.get(headers["Azure-AsyncOperation"].split("?")[0].rsplit("/", 1)[1])
        self.assertTrue(op.done.wait(10))
        self.assertEqual(op.status, "Succeeded")
        self.assertEqual(self.fake.get(rid)["sku"]["capacity"], 1)
        self.assertFalse(self.members[0].running, "the deleted instance's machine was stopped")
        self.assertEqual({get(self.port) for _ in range(4)}, {"member b"})
        with self.assertRaises(ArmError) as e:
            self.fake.dispatch(Ctx("GET", f"{rid}/virtualMachines/0", {"api-version": "2024-07-01"}, None))
        self.assertEqual(e.exception.status, 404)

    def test_deleting_an_instance_while_the_scale_set_updates_is_a_409(self):
        rid = self.scale_set("web-v001", [_Member("a")])
        self.fake.get(rid)["properties"]["provisioningState"] = "Updating"
        with self.assertRaises(ArmError) as e:
            self.fake.dispatch(Ctx("DELETE", f"{rid}/virtualMachines/0", {"api-version": "2024-07-01"}, None))
        self.assertEqual((e.exception.status, e.exception.code), (409, "OperationNotAllowed"))
        self.assertEqual(self.fake.get(rid)["sku"]["capacity"], 1)

    def test_an_instance_whose_machine_has_not_started_is_creating_not_failed(self):
        rid = self.scale_set("web-v001", [_Member("a")])
        s = self.fake.get(rid)
        s["tags"] = {}
        s["properties"]["virtualMachineProfile"]["storageProfile"] = {"imageReference": {"id": "img"}}
        inst = s["_instances"]["0"]
        inst.update({"_vm": None, "_state": "creating", "_created": "2026-01-01T00:00:00+00:00"})
        api = {"api-version": "2024-07-01"}
        _, view, _ = self.fake.dispatch(Ctx("GET", f"{rid}/virtualMachines/0/instanceView", api, None))
        self.assertEqual([s["code"] for s in view["statuses"]], ["ProvisioningState/creating"])
        _, body, _ = self.fake.dispatch(Ctx("GET", f"{rid}/virtualMachines/0", api, None))
        self.assertEqual(body["properties"]["provisioningState"], "Creating")
        inst.update({"_state": "failed", "_error": "QEMU could not bind its forwarded ports"})
        _, view, _ = self.fake.dispatch(Ctx("GET", f"{rid}/virtualMachines/0/instanceView", api, None))
        self.assertEqual(view["statuses"][0]["code"], "ProvisioningState/failed")
        self.assertIn("could not bind", view["statuses"][0]["displayStatus"])


if __name__ == "__main__":
    unittest.main()
