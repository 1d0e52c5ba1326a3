"""The HTTP front of the fake: Compute Engine's REST paths under /compute/v1/, routed through the
discovery document, plus a few test-only control paths under /_fake/:

  GET    /_fake/health             200 when the server is up (scripts/emulators.sh waits on it)
  POST   /_fake/faults             {"method": "compute.images.insert", "status": 429, "times": 2}
                                   answers the next calls of a method (or "*") with that error;
                                   {"method": ..., "action": "bump-iam-etag"} changes the image's
                                   IAM policy just before the call, as a concurrent writer would;
                                   {"method": ..., "action": "fail-operation", "status": 400,
                                   "code": "...", "message": "..."} lets the call start its
                                   operation, which then ends DONE with that error
  DELETE /_fake/faults             clears pending faults
  GET    /_fake/requests           every API call so far: method id, path, query, body, status,
                                   when it came (at, epoch seconds)
  DELETE /_fake/requests           clears that log
  POST   /_fake/settings           {"opStepSeconds": 0.5} changes timing for the next operations
"""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import images
from app import HANDLERS, Request
from errors import ApiError, by_status, not_found

MAX_BODY = 8 << 20


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.pending = []

    def add(self, spec):
        with self.lock:
            self.pending.append(dict(spec, times=int(spec.get("times", 1))))

    def clear(self):
        with self.lock:
            self.pending.clear()

    def take(self, method_id):
        with self.lock:
            for f in self.pending:
                if f["method"] in (method_id, "*") and f["times"] > 0:
                    f["times"] -= 1
                    return dict(f)
        return None


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, ctx, api):
        super().__init__(address, Handler)
        self.ctx = ctx
        self.api = api
        self.faults = Faults()
        self.requests = []
        self.requests_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"
    sys_version = ""

    def log_message(self, fmt, *args):
        self.server.ctx.log("%s %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
                if len(data) > MAX_BODY:
                    raise ApiError(413, "badRequest", "Request entity too large")
            return data
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(413, "badRequest", "Request entity too large")
        return self.rfile.read(length) if length else b""

    def _send(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body, indent=1).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, http_method):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True)
                 .items()}
        try:
            raw = self._body()
            if url.path.startswith("/_fake/"):
                status, body = self._control(http_method, url.path, raw)
                self._send(status, body)
                return
            self._api(http_method, url.path, query, raw)
        except ApiError as e:
            self._send(e.status, e.body(), e.headers)
        except Exception as e:  # a bug in the fake: answer 500 and say so in the log
            import traceback
            self.server.ctx.log("internal error: %s\n%s" % (e, traceback.format_exc()))
            self._send(500, ApiError(500, "backendError", f"Internal error in the fake: {e}")
                       .body())

    def _api(self, http_method, path, query, raw):
        api = self.server.api
        route, params = api.match(http_method, urllib.parse.unquote(path))
        if route is None:
            if params == "method":
                raise ApiError(405, "httpMethodNotAllowed", f"Method {http_method} not allowed")
            raise not_found(path.removeprefix("/compute/v1/"))
        entry = {"method": route.id, "httpMethod": http_method, "path": path, "query": query,
                 "body": raw[:4096].decode("utf-8", "replace"), "at": time.time()}
        with self.server.requests_lock:
            self.server.requests.append(entry)
        try:
            fault = self.server.faults.take(route.id)
            if fault:
                self._apply_fault(fault, params)
            api.check_parameters(route, params, query)
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError as e:
                    raise ApiError(400, "parseError", f"Invalid JSON payload received. {e}")
                api.check_body(route, body)
            handler = HANDLERS.get(route.id)
            if handler is None:
                raise ApiError(501, "notImplemented",
                               f"{route.id} is in the API but not in this fake")
            status, answer = handler(self.server.ctx, Request(route, params, query, body))
            entry["status"] = status
            self._send(status, answer)
        except ApiError as e:
            entry["status"] = e.status
            raise

    def _apply_fault(self, fault, params):
        if fault.get("action") == "fail-operation":
            # The call is accepted; the operation it starts then ends DONE with this error.
            error = by_status(int(fault.get("status", 400)), fault.get("message"))
            error.operation_code = fault.get("code")
            self.server.ctx.ops.fail_next = error
            return
        if fault.get("action") == "bump-iam-etag":
            ctx = self.server.ctx
            with ctx.store.lock:
                image = images.find_image(ctx, params["project"], params["resource"])
                policy = images.policy_of(image)
                images.bump_policy(image, policy.get("bindings", []) + [
                    {"role": "roles/compute.viewer", "members": ["user:concurrent@example.com"]}])
            return
        raise by_status(int(fault["status"]), fault.get("message"))

    def _control(self, http_method, path, raw):
        body = json.loads(raw) if raw else {}
        s = self.server
        if path == "/_fake/health" and http_method == "GET":
            return 200, {"ok": True}
        if path == "/_fake/faults":
            if http_method == "POST":
                if "method" not in body or ("status" not in body and "action" not in body):
                    return 400, {"error": "give method and status (or action)"}
                s.faults.add(body)
                return 200, {"ok": True}
            if http_method == "DELETE":
                s.faults.clear()
                return 200, {"ok": True}
        if path == "/_fake/requests":
            with s.requests_lock:
                if http_method == "GET":
                    return 200, {"requests": list(s.requests)}
                if http_method == "DELETE":
                    s.requests.clear()
                    return 200, {"ok": True}
        if path == "/_fake/settings" and http_method == "POST":
            if "opStepSeconds" in body:
                s.ctx.ops.step = float(body["opStepSeconds"])
            return 200, {"opStepSeconds": s.ctx.ops.step}
        return 404, {"error": f"no control path {http_method} {path}"}
