"""python3 -m arm --port P --cert C --key K --azurite-endpoint URL ...: serves the fake."""
import argparse
import os
import signal
import sys
import threading

from .app import Fake
from .azurite import Azurite
from .server import serve


def main():
    p = argparse.ArgumentParser(prog="arm", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", help="PEM certificate; without it the fake serves plain HTTP")
    p.add_argument("--key", help="PEM private key of --cert")
    p.add_argument("--subscription", default="00000000-0000-0000-0000-000000000000")
    p.add_argument("--resource-group", action="append", default=[],
                   help="a resource group that exists from the start (repeatable)")
    p.add_argument("--location", default="westeurope", help="location of --resource-group groups")
    p.add_argument("--azurite-endpoint", required=True)
    p.add_argument("--azurite-account", default="devstoreaccount1")
    p.add_argument("--azurite-key", default=os.environ.get("AZURITE_KEY"))
    p.add_argument("--data", required=True, help="folder for image copies and instance disks")
    p.add_argument("--lro-seconds", type=float, default=0.2)
    p.add_argument("--replication-seconds", type=float, default=1.0)
    p.add_argument("--retry-after", type=int, default=1)
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    if not a.azurite_key:
        p.error("--azurite-key (or AZURITE_KEY) is required")
    scheme = "https" if a.cert else "http"
    os.makedirs(a.data, exist_ok=True)
    fake = Fake(f"{scheme}://{a.host}:{a.port}", a.subscription,
                Azurite(a.azurite_endpoint, a.azurite_account, a.azurite_key), a.data,
                lro_seconds=a.lro_seconds, retry_after=a.retry_after,
                replication_seconds=a.replication_seconds, verbose=a.verbose)
    for rg in a.resource_group:
        fake.groups[rg.lower()] = {
            "id": f"/subscriptions/{a.subscription}/resourceGroups/{rg}", "name": rg,
            "type": "Microsoft.Resources/resourceGroups", "location": a.location, "tags": {},
            "properties": {"provisioningState": "Succeeded"}}
    httpd = serve(fake, a.host, a.port, a.cert, a.key)

    def stop(*_):
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"arm fake listening on {scheme}://{a.host}:{a.port}", flush=True)
    try:
        httpd.serve_forever()
    finally:
        fake.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
