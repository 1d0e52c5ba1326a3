#!/usr/bin/env python3
"""A counting proxy in front of moto for bench/aws-upload.sh (a benchmark helper, not a test).

moto answers StartSnapshot with BlockSize 512 (real EBS: 524288). coldsnap sizes its blocks from
that answer, so on bare moto it would send 1024 times as many 512-byte blocks as it would to AWS.
This proxy rewrites BlockSize to 524288 in StartSnapshot responses, so both uploaders send
real-EBS-sized blocks, and counts PutSnapshotBlock calls and body bytes (GET /__stats, POST
/__reset). Both tools go through it, so its overhead is the same for both.

usage: moto-ebs-proxy.py <listen-port> <moto-url>
"""
import http.client
import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
TARGET = urllib.parse.urlparse(sys.argv[2])
PUT_BLOCK = re.compile(r"^/snapshots/[^/]+/blocks/\d+$")
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
stats = {"putBlocks": 0, "putBytes": 0, "requests": 0}
lock = threading.Lock()
local = threading.local()


def upstream():
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection(TARGET.hostname, TARGET.port, timeout=120)
        local.conn = conn
    return conn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _proxy(self):
        if self.path == "/__stats":
            with lock:
                return self._reply(200, json.dumps(stats).encode(), [("Content-Type", "application/json")])
        if self.path == "/__reset":
            with lock:
                for k in stats:
                    stats[k] = 0
            return self._reply(200, b"{}")
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        headers["Host"] = f"{TARGET.hostname}:{TARGET.port}"
        for attempt in (1, 2):
            try:
                conn = upstream()
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, OSError):
                local.conn = None
                if attempt == 2:
                    return self._reply(502, b"proxy: moto unreachable")
        path = urllib.parse.urlparse(self.path).path
        if self.command == "POST" and path == "/snapshots" and resp.status // 100 == 2:
            data = re.sub(rb'"BlockSize"\s*:\s*512\b', b'"BlockSize": 524288', data)
        with lock:
            stats["requests"] += 1
            if self.command == "PUT" and PUT_BLOCK.match(path) and resp.status // 100 == 2:
                stats["putBlocks"] += 1
                stats["putBytes"] += len(body)
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP]
        self._reply(resp.status, data, out)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _proxy


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 256
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
