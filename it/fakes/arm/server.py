"""The HTTPS server: routing, authentication, api-version checks, fault injection, LRO polls."""
import json
import re
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .errors import ArmError
from .lro import Operations

GUID = r"[0-9a-fA-F-]{36}"


class Ctx:
    """One ARM request: method, path parts, query, parsed body."""

    def __init__(self, method, path, query, body):
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.api_version = query.get("api-version")
        self.match = None

    def group(self, name):
        return urllib.parse.unquote(self.match.group(name)) if self.match.group(name) else None


class Faults:
    """Test-only fault injection: the next `count` requests matching method and path regex get
    `status` with an ARM error and, for 429, Retry-After (how ARM throttles:
    https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
    Also region replication failures, consulted by gallery image versions."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.replication = {}  # region (normalised) -> (code, message)
        self.hits = []

    def set(self, spec):
        with self.lock:
            if spec.get("kind") == "replication":
                self.replication[spec["region"].replace(" ", "").lower()] = (
                    spec.get("code", "ReplicationFailed"),
                    spec.get("message", "replication failed (injected by the test)"),
                )
            elif spec.get("kind") == "clear":
                self.rules.clear()
                self.replication.clear()
            else:
                spec = dict(spec)
                spec["pattern"] = re.compile(spec.get("path", ".*"), re.I)
                spec.setdefault("count", 1)
                self.rules.append(spec)

    def take(self, method, path):
        with self.lock:
            for r in self.rules:
                if r["count"] > 0 and r.get("method", method) == method and r["pattern"].search(path):
                    r["count"] -= 1
                    self.hits.append(f"{method} {path} -> {r['status']}")
                    return r
        return None


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Microsoft-HTTPAPI/2.0"

        def log_message(self, fmt, *args):
            if fake.verbose:
                super().log_message(fmt, *args)

        def do_GET(self):
            self.handle_any("GET")

        def do_PUT(self):
            self.handle_any("PUT")

        def do_POST(self):
            self.handle_any("POST")

        def do_DELETE(self):
            self.handle_any("DELETE")

        def do_PATCH(self):
            self.handle_any("PATCH")

        def handle_any(self, method):
            try:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                split = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
                path = split.path
                if path.startswith("/_fake/"):
                    return self.reply(*fake.control(method, path, raw))
                if re.match(r"^/[^/]+/oauth2/v2\.0/token$", path):
                    return self.reply(*fake.token(raw))
                if re.match(r"^/[^/]+/(v2\.0/)?\.well-known/openid-configuration$", path):
                    return self.reply(*fake.openid(path))
                fake.authenticate(self.headers.get("Authorization"))
                rule = fake.faults.take(method, path)
                if rule:
                    headers = {}
                    if rule.get("retryAfter") is not None:
                        headers["Retry-After"] = str(rule["retryAfter"])
                    raise ArmError(rule["status"], rule.get("code", "TooManyRequests"),
                                   rule.get("message", "injected fault"), headers)
                body = None
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError as e:
                        raise ArmError(400, "InvalidRequestContent",
                                       f"The request content was invalid and could not be deserialized: {e}")
                ctx = Ctx(method, path, query, body)
                self.reply(*fake.dispatch(ctx))
            except ArmError as e:
                self.reply(e.status, e.body(), e.headers)
            except BrokenPipeError:
                pass

        def reply(self, status, body=None, headers=None):
            data = b""
            if body is not None:
                data = json.dumps(body, indent=2).encode()
            self.send_response(status)
            self.send_header("x-ms-request-id", secrets.token_hex(16))
            self.send_header("Cache-Control", "no-cache")
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)

    return Handler


class Router:
    """Maps path regexes (case-insensitive, like ARM) to handler functions."""

    def __init__(self):
        self.routes = []

    def add(self, pattern, fn):
        self.routes.append((re.compile("^" + pattern + "$", re.I), fn))

    def find(self, path):
        for rx, fn in self.routes:
            m = rx.match(path)
            if m:
                return m, fn
        return None, None


def serve(fake, host, port, certfile, keyfile):
    import ssl

    httpd = ThreadingHTTPServer((host, port), make_handler(fake))
    httpd.daemon_threads = True
    if certfile:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    return httpd


def ops_routes(fake, router):
    sub = r"/subscriptions/(?P<sub>[^/]+)"

    def poll(ctx):
        op = fake.ops.get(ctx.group("op"))
        if op is None:
            raise ArmError(404, "NotFound", f"The operation '{ctx.group('op')}' was not found.")
        headers = {"Retry-After": str(fake.retry_after)}
        if ctx.query.get("monitor") == "true":
            # The Location URL: 202 while running, then the operation's result (200).
            if not op.done.is_set():
                loc = fake.base_url + fake.ops.path(op) + "?monitor=true&api-version=" + (ctx.api_version or "")
                return 202, None, dict(headers, Location=loc)
            if op.status == "Failed":
                raise ArmError(400 if op.error["code"] != "InternalExecutionError" else 500,
                               op.error["code"], op.error["message"])
            return 200, op.result, {}
        return 200, Operations.status_document(op), ({} if op.done.is_set() else headers)

    router.add(sub + r"/providers/(?P<ns>Microsoft\.(Compute|Network))/locations/(?P<loc>[^/]+)/"
               r"(?P<kind>DiskOperations|capsOperations|operations)/(?P<op>[^/]+)", poll)


def wait(predicate, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
