"""Runs the Compute Engine fake: `python3 it/fakes/gce/main.py --port 45104 --gcs-endpoint URL`.

See README.md in this folder for what it implements and how tests drive it.
"""

import argparse
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # it/fakes: the shared fakecloud runtime

import images  # noqa: E402,F401  (registers handlers)
import instances  # noqa: E402,F401
import groups  # noqa: E402,F401
import resources  # noqa: E402,F401
from app import Context  # noqa: E402
from discovery import Api  # noqa: E402
from operations import Operations  # noqa: E402
from server import FakeServer  # noqa: E402
from store import Store  # noqa: E402

DISCOVERY = os.path.join(HERE, "..", "..", "src", "test", "resources", "recordings", "gcp",
                         "compute-v1-discovery-subset.json")


class Settings:
    def __init__(self, args):
        self.gcs_endpoint = args.gcs_endpoint
        self.state_dir = os.path.abspath(args.state_dir)
        self.wait_limit = args.wait_limit
        self.guest_ports = [int(p) for p in args.guest_ports.split(",") if p]
        self.memory_mib = args.memory_mib
        self.reconcile_seconds = args.reconcile_seconds


def main():
    p = argparse.ArgumentParser(description="A local fake of the Compute Engine v1 REST API.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=45104)
    p.add_argument("--gcs-endpoint", required=True,
                   help="fake-gcs-server root: where rawDisk.source objects are read")
    p.add_argument("--state-dir", default=".gce-fake", help="imported disks, instance disks, logs")
    p.add_argument("--discovery", default=DISCOVERY, help="the discovery document to serve")
    p.add_argument("--op-step-seconds", type=float, default=0.2,
                   help="time an operation stays PENDING, and RUNNING after its work")
    p.add_argument("--wait-limit", type=float, default=120,
                   help="longest an operations.wait call blocks (the API: about 2 minutes)")
    p.add_argument("--guest-ports", default="80,8080",
                   help="guest TCP ports every instance forwards, besides named ports")
    p.add_argument("--memory-mib", type=int, default=256, help="memory of each instance")
    p.add_argument("--reconcile-seconds", type=float, default=0.5,
                   help="how often managed instance groups converge on their target size")
    args = p.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)

    log_lock = threading.Lock()

    def log(message):
        with log_lock:
            sys.stderr.write(time.strftime("%H:%M:%S ") + message + "\n")
            sys.stderr.flush()

    store = Store()
    ctx = Context(store, Operations(store, args.op_step_seconds, log), Settings(args), log)
    ctx.runtime = instances.Runtime(ctx)
    groups.start_reconciler(ctx)
    server = FakeServer((args.host, args.port), ctx, Api(args.discovery))

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"compute fake listening on http://{args.host}:{args.port} (storage: {args.gcs_endpoint})")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        ctx.runtime.stop_all()
        log("compute fake stopped")


if __name__ == "__main__":
    main()
