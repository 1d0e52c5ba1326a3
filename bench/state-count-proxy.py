#!/usr/bin/env python3
"""A counting reverse proxy for bench/state-overhead.sh: forwards every request to the target set
by POST /_target (body: an emulator's endpoint and the state's bucket or container) and counts the
requests to that bucket that touch remote state, by method and by what they touch (the lock, the
journal, anything else under the state prefix such as listings). Cloud Storage uploads name their
object in a multipart body, so the start of a body counts as part of the request. GET /_counts
answers the counts as one line, POST /_reset clears them.

Usage: state-count-proxy.py   (prints the port it listens on, then serves)
"""
import http.client
import http.server
import sys
import threading
import urllib.parse
from collections import Counter

HOP = {"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-connection", "content-length"}
STATE_PREFIX = "unideploy/"

state = {"target": None, "bucket": None}
counts = Counter()
lock = threading.Lock()


def kind(path_and_query, body):
    """'lock', 'journal', 'other' for a state request, None for anything else."""
    path = urllib.parse.unquote(path_and_query)
    where = urllib.parse.urlsplit(path_and_query).path  # S3 lists a bucket at /BUCKET?prefix=...
    if "/" + state["bucket"] + "/" not in where and not where.endswith("/" + state["bucket"]):
        return None
    text = path + body[:4096].decode("latin-1")
    if STATE_PREFIX not in text:
        return None
    if "/locks/" in text:
        return "lock"
    if "/journal/" in text:
        return "journal"
    return "other"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

    def answer(self, status, data=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def forward(self):
        data = self.body()
        if self.path == "/_target" and self.command == "POST":
            endpoint, bucket = data.decode().split()
            state["target"] = urllib.parse.urlsplit(endpoint)
            state["bucket"] = bucket
            return self.answer(204)
        if self.path == "/_reset" and self.command == "POST":
            with lock:
                counts.clear()
            return self.answer(204)
        if self.path == "/_counts" and self.command == "GET":
            with lock:
                line = " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"
                line += f" total={sum(counts.values())}"
            return self.answer(200, line.encode())
        k = kind(self.path, data)
        if k:
            with lock:
                counts[f"{self.command}-{k}"] += 1
        target = state["target"]
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        headers = {h: v for h, v in self.headers.items() if h.lower() not in HOP}
        headers["Host"] = target.netloc
        conn.request(self.command, self.path, body=data if data or self.command in ("PUT", "POST") else None,
                     headers=headers)
        resp = conn.getresponse()
        out = resp.read()
        self.send_response(resp.status)
        for h, v in resp.getheaders():
            if h.lower() not in HOP:
                self.send_header(h, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = forward


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
