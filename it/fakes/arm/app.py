"""The fake's state and the request dispatch shared by every resource type."""
import copy
import json
import secrets
import threading
import urllib.parse

from .errors import ArmError, not_found
from .lro import Operations
from .server import Faults, Router, ops_routes


def public(resource):
    """A resource as ARM returns it: without the fake's private '_' fields."""
    return {k: copy.deepcopy(v) for k, v in resource.items() if not k.startswith("_")}


def norm_region(name):
    return (name or "").replace(" ", "").lower()


class Fake:
    def __init__(self, base_url, subscription, azurite, data_dir, lro_seconds=0.2,
                 retry_after=1, replication_seconds=1.0, verbose=False):
        self.base_url = base_url.rstrip("/")
        self.subscription = subscription
        self.azurite = azurite
        self.data_dir = data_dir
        self.retry_after = retry_after
        self.replication_seconds = replication_seconds
        self.verbose = verbose
        self.ops = Operations(self.base_url, subscription, lro_seconds)
        self.faults = Faults()
        self.lock = threading.RLock()
        self.store = {}  # lowercase resource id -> resource dict
        self.groups = {}  # lowercase name -> resource group dict
        self.tokens = set()
        self.router = Router()
        ops_routes(self, self.router)
        from . import disks, galleries, groups, network, vmss
        from .frontends import Frontends

        self.frontends = Frontends(self)
        for module in (groups, disks, galleries, network, vmss):
            module.routes(self, self.router)

    # --- identity ----------------------------------------------------------------------------

    def token(self, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        if form.get("grant_type") != "client_credentials" or not form.get("client_id"):
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "the fake issues client_credentials tokens only"}, {}
        if not (form.get("client_secret") or form.get("client_assertion")):
            return 401, {"error": "invalid_client",
                         "error_description": "AADSTS7000216: client_secret or client_assertion is required"}, {}
        tok = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens.add(tok)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                     "access_token": tok}, {}

    def openid(self, path):
        tenant = path.split("/")[1]
        base = f"{self.base_url}/{tenant}"
        return 200, {"token_endpoint": f"{base}/oauth2/v2.0/token",
                     "issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                     "jwks_uri": f"{base}/discovery/v2.0/keys"}, {}

    def authenticate(self, header):
        if not header or not header.startswith("Bearer "):
            raise ArmError(401, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing.")
        with self.lock:
            ok = header[7:] in self.tokens
        if not ok:
            raise ArmError(401, "InvalidAuthenticationToken",
                           "The access token is invalid.")

    # --- test control ------------------------------------------------------------------------

    def control(self, method, path, raw):
        if path == "/_fake/health":
            return 200, {"ok": True}, {}
        if path == "/_fake/faults" and method == "POST":
            self.faults.set(json.loads(raw or b"{}"))
            return 200, {"ok": True}, {}
        if path == "/_fake/faults" and method == "GET":
            return 200, {"hits": list(self.faults.hits)}, {}
        if path == "/_fake/blob-endpoints" and method == "POST":
            try:
                self.azurite.add_alias(json.loads(raw or b"{}").get("endpoint", ""))
            except ValueError as e:
                return 400, {"error": {"code": "InvalidEndpoint", "message": str(e)}}, {}
            return 200, {"ok": True}, {}
        if path == "/_fake/token" and method == "POST":
            # Tests that do not exercise an Entra ID flow take a token here.
            return self.token(b"grant_type=client_credentials&client_id=test&client_secret=test")
        return 404, {"error": {"code": "NotFound", "message": path}}, {}

    # --- dispatch ----------------------------------------------------------------------------

    def dispatch(self, ctx):
        m, fn = self.router.find(ctx.path)
        if fn is None:
            raise ArmError(404, "InvalidResourceType",
                           f"The resource type of '{ctx.path}' is not served by this fake of ARM.")
        if not ctx.api_version:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        sub = m.groupdict().get("sub")
        if sub and sub.lower() != self.subscription.lower():
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")
        ctx.match = m
        return fn(ctx)

    def require_group(self, ctx):
        rg = ctx.group("rg")
        with self.lock:
            if rg.lower() not in self.groups:
                raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        return rg

    def rid(self, rg, *parts):
        return f"/subscriptions/{self.subscription}/resourceGroups/{rg}/providers/" + "/".join(parts)

    def get(self, rid):
        with self.lock:
            return self.store.get(rid.lower())

    def require(self, rid, type_name, name, rg):
        r = self.get(rid)
        if r is None:
            raise not_found(type_name, name, rg)
        return r

    def put(self, rid, resource):
        with self.lock:
            self.store[rid.lower()] = resource

    def remove(self, rid):
        with self.lock:
            self.store.pop(rid.lower(), None)

    def children(self, prefix):
        p = prefix.lower().rstrip("/") + "/"
        with self.lock:
            return [r for k, r in self.store.items()
                    if k.startswith(p) and "/" not in k[len(p):]]

    def by_id(self, rid):
        """A resource by its full id (any case), or None."""
        return self.get(rid) if rid else None
