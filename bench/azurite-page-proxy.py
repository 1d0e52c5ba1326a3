#!/usr/bin/env python3
"""A counting HTTP proxy in front of Azurite for bench/azure-upload.sh: forwards every request and
counts Put Page calls (PUT ?comp=page, x-ms-page-write: update), their bytes and the largest body,
so both uploaders are checked against Azure's 4 MiB limit (Azurite accepts more) and against the
number of non-zero 4 MiB ranges. GET /_count answers the counters as JSON; POST /_count resets.

usage: azurite-page-proxy.py LISTEN_PORT AZURITE_PORT
"""
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = ("127.0.0.1", int(sys.argv[2]))
LOCK = threading.Lock()
COUNT = {"putPage": 0, "bytes": 0, "maxBody": 0, "other": 0}
LOCAL = threading.local()


def upstream():
    c = getattr(LOCAL, "conn", None)
    if c is None:
        c = LOCAL.conn = http.client.HTTPConnection(*UPSTREAM, timeout=120)
    return c


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        if self.path.startswith("/_count"):
            with LOCK:
                if self.command == "POST":
                    COUNT.update(putPage=0, bytes=0, maxBody=0, other=0)
                body = json.dumps(COUNT).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else None
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with LOCK:
            if (self.command == "PUT" and q.get("comp") == ["page"]
                    and self.headers.get("x-ms-page-write", "").lower() == "update"):
                COUNT["putPage"] += 1
                COUNT["bytes"] += n
                COUNT["maxBody"] = max(COUNT["maxBody"], n)
            else:
                COUNT["other"] += 1
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "proxy-connection")}
        for attempt in (0, 1):
            try:
                c = upstream()
                c.request(self.command, self.path, body=data, headers=headers)
                r = c.getresponse()
                payload = r.read()
                break
            except (http.client.HTTPException, OSError):
                LOCAL.conn = None
                if attempt:
                    raise
        self.send_response(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        # A HEAD answer carries the blob's length, not the (empty) body's.
        length = r.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length if length is not None else str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Proxy)
    server.daemon_threads = True
    server.serve_forever()
