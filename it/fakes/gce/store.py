"""The fake's resources: one dict per resource, keyed by project, scope and collection.

A scope is "global", "zones/<zone>" or "regions/<region>", as in the API's paths. Links are written
the way Compute Engine writes them (https://www.googleapis.com/compute/v1/projects/...), and
references in requests are accepted in every form the API accepts: full URL, "projects/..." or
"global/...", "zones/...", "regions/..." relative to the request's project.
"""

import base64
import datetime
import hashlib
import json
import random
import re
import threading

from errors import already_exists, invalid, not_found
from filters import Filter

LINK_BASE = "https://www.googleapis.com/compute/v1/"
_REF = re.compile(r"^(?:https?://[^/]+/compute/(?:v1|beta|alpha)/)?(?:projects/([^/]+)/)?"
                  r"(global|zones/[^/]+|regions/[^/]+)/([A-Za-z]+)/(.+)$")


def now():
    """RFC 3339 with the offset Compute Engine writes (-07:00 in its answers; any offset parses)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def new_id():
    return str(random.randrange(10**18, 10**19))


def fingerprint(value):
    """An 8-byte, base64 fingerprint of a JSON value, like labelFingerprint and fingerprint."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()[:8]
    return base64.b64encode(digest).decode()


def link(project, scope, collection, name=None):
    path = f"{LINK_BASE}projects/{project}/{scope}/{collection}"
    return path if name is None else f"{path}/{name}"


def short_path(project, scope, collection, name):
    return f"projects/{project}/{scope}/{collection}/{name}"


def parse_ref(ref, project):
    """(project, scope, collection, name) of a reference in any accepted form, or None."""
    m = _REF.match((ref or "").lstrip("/"))
    if not m:
        return None
    return (m.group(1) or project, m.group(2), m.group(3), m.group(4))


NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")


def check_name(name, what="resource"):
    if not isinstance(name, str) or not NAME.match(name):
        raise invalid(f"Invalid value for field '{what}.name': '{name}'. Must be a match of regex "
                      "'(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'")


class Store:
    """Thread-safe resource storage; every handler takes the lock while it reads and writes.

    Resources are kept per collection, so the reconciler's sweeps over groups and backend
    services do not walk the (many) operations.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self._collections = {}  # collection -> {(project, scope, name): resource}

    def _of(self, collection):
        return self._collections.setdefault(collection, {})

    def get(self, project, scope, collection, name):
        r = self._of(collection).get((project, scope, name))
        if r is None:
            raise not_found(short_path(project, scope, collection, name))
        return r

    def find(self, project, scope, collection, name):
        return self._of(collection).get((project, scope, name))

    def find_ref(self, ref, project, collection):
        parsed = parse_ref(ref, project)
        if parsed is None or parsed[2] != collection:
            return None
        return self.find(*parsed)

    def put(self, project, scope, collection, name, resource):
        """Stores a resource as it is (operations, which carry their own fields)."""
        self._of(collection)[(project, scope, name)] = resource

    def insert(self, project, scope, collection, name, resource, kind):
        key = (project, scope, name)
        if key in self._of(collection):
            raise already_exists(short_path(project, scope, collection, name))
        resource.update({
            "kind": kind,
            "id": resource.get("id") or new_id(),
            "name": name,
            "creationTimestamp": now(),
            "selfLink": link(project, scope, collection, name),
        })
        if scope.startswith("zones/"):
            resource["zone"] = LINK_BASE + f"projects/{project}/{scope}"
        elif scope.startswith("regions/"):
            resource["region"] = LINK_BASE + f"projects/{project}/{scope}"
        self._of(collection)[key] = resource
        return resource

    def delete(self, project, scope, collection, name):
        return self._of(collection).pop((project, scope, name), None)

    def all(self, project, scope, collection):
        return [r for (p, s, n), r in sorted(self._of(collection).items(), key=lambda kv: kv[0][2])
                if p == project and (scope is None or s == scope)]

    def everywhere(self, collection):
        """((project, scope, collection, name), resource) of every resource of a collection."""
        return [((p, s, collection, n), r) for (p, s, n), r in list(self._of(collection).items())]


def list_page(items, query, kind, self_link, id_prefix=""):
    """A list answer with filter, orderBy, maxResults and pageToken applied."""
    flt = query.get("filter")
    if flt:
        f = Filter(flt)
        items = [i for i in items if f.matches(i)]
    if query.get("orderBy") == "creationTimestamp desc":
        items = sorted(items, key=lambda i: i.get("creationTimestamp", ""), reverse=True)
    elif query.get("orderBy") not in (None, "", "name"):
        raise invalid(f"Invalid value for field 'orderBy': '{query['orderBy']}'. Only 'name' and "
                      "'creationTimestamp desc' are supported.")
    size = int(query.get("maxResults") or 500)
    if size <= 0 or size > 500:
        size = 500
    start = 0
    token = query.get("pageToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except Exception:
            raise invalid("Invalid value for field 'pageToken'.")
    page = items[start:start + size]
    answer = {"kind": kind, "id": id_prefix, "items": page, "selfLink": self_link}
    if not page:
        del answer["items"]
    if start + size < len(items):
        answer["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return answer
