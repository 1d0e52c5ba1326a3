"""Runs moto with EC2 instances that boot: `python -m awsfleet --port 0 --state-dir DIR`, with
it/fakes on PYTHONPATH and the Python that has moto installed. Prints the endpoint on stdout."""

import argparse
import os
import signal
import sys
import threading

from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from . import patches
from .disks import Disks
from .runtime import Runtime


def main():
    p = argparse.ArgumentParser(description="moto whose EC2 instances boot their AMI under QEMU")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--state-dir", required=True, help="disks, instance workdirs, log")
    p.add_argument("--memory-mib", type=int, default=256, help="memory of each instance")
    args = p.parse_args()
    state = os.path.abspath(args.state_dir)
    os.makedirs(state, exist_ok=True)
    log_file = open(os.path.join(state, "awsfleet.log"), "a", buffering=1)
    lock = threading.Lock()

    def log(message):
        with lock:
            log_file.write(message + "\n")

    disks = Disks(state, log)
    runtime = Runtime(disks, state, args.memory_mib, log)
    patches.install(runtime)
    app = patches.RecordImages(DomainDispatcherApplication(create_backend_app), disks)
    server = make_server(args.host, args.port, app, threaded=True,
                         request_handler=MotoRequestHandler)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"awsfleet listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    finally:
        runtime.close()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
