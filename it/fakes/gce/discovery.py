"""Routes and request checks taken from the Compute Engine v1 discovery document.

Every method the document lists becomes a route (its flatPath, HTTP method and id, such as
compute.images.insert); path and query parameters are checked against the document's patterns and
required flags, and a request body against the method's request schema, so a client that sends a
field the API does not have gets the 400 the real API gives, not silent success.

The document in the repository is a subset (the resources unideploy uses). Methods it does not
carry (instances, networks, disks...) are added from EXTRA_METHODS, written from the public API
reference; their bodies are not checked.
"""

import json
import re

from errors import invalid

SERVICE_PATH = "/compute/v1/"

# Methods outside the subset document: (id, HTTP method, flatPath, request schema or None).
EXTRA_METHODS = [
    ("compute.instances.get", "GET", "projects/{project}/zones/{zone}/instances/{instance}"),
    ("compute.instances.list", "GET", "projects/{project}/zones/{zone}/instances"),
    ("compute.instances.getSerialPortOutput", "GET",
     "projects/{project}/zones/{zone}/instances/{instance}/serialPort"),
    ("compute.networks.insert", "POST", "projects/{project}/global/networks"),
    ("compute.networks.get", "GET", "projects/{project}/global/networks/{network}"),
    ("compute.networks.delete", "DELETE", "projects/{project}/global/networks/{network}"),
    ("compute.disks.insert", "POST", "projects/{project}/zones/{zone}/disks"),
    ("compute.disks.get", "GET", "projects/{project}/zones/{zone}/disks/{disk}"),
    ("compute.disks.delete", "DELETE", "projects/{project}/zones/{zone}/disks/{disk}"),
    ("compute.addresses.insert", "POST", "projects/{project}/regions/{region}/addresses"),
    ("compute.addresses.get", "GET", "projects/{project}/regions/{region}/addresses/{address}"),
    ("compute.addresses.delete", "DELETE",
     "projects/{project}/regions/{region}/addresses/{address}"),
    ("compute.autoscalers.insert", "POST", "projects/{project}/zones/{zone}/autoscalers"),
    ("compute.autoscalers.get", "GET", "projects/{project}/zones/{zone}/autoscalers/{autoscaler}"),
    ("compute.autoscalers.update", "PUT", "projects/{project}/zones/{zone}/autoscalers"),
    ("compute.autoscalers.delete", "DELETE",
     "projects/{project}/zones/{zone}/autoscalers/{autoscaler}"),
]

# Query parameters every method takes (system parameters of Google APIs), beyond its own.
SYSTEM_PARAMETERS = {"alt", "prettyPrint", "fields", "key", "quotaUser", "userIp", "$alt",
                     "access_token", "callback", "oauth_token", "upload_protocol", "uploadType",
                     "$.xgafv", "trace"}


class Route:
    def __init__(self, method_id, http_method, flat_path, parameters, request_schema):
        self.id = method_id
        self.http_method = http_method
        self.flat_path = flat_path
        self.parameters = parameters
        self.request_schema = request_schema
        names = re.findall(r"{(\w+)}", flat_path)
        pattern = re.escape(SERVICE_PATH + flat_path)
        for n in names:
            pattern = pattern.replace(re.escape("{" + n + "}"), f"(?P<{n}>[^/]+)")
        self.regex = re.compile("^" + pattern + "$")
        self.path_names = names

    @property
    def resource(self):
        """'images' for compute.images.insert."""
        return self.id.split(".")[1]

    @property
    def verb(self):
        return self.id.split(".")[2]


class Api:
    """The route table and schema checker for one discovery document."""

    def __init__(self, document_path):
        with open(document_path, encoding="utf-8") as f:
            doc = json.load(f)
        self.schemas = doc["schemas"]
        self.routes = []
        for resource in doc["resources"].values():
            for m in resource["methods"].values():
                request = m.get("request", {}).get("$ref")
                self.routes.append(Route(m["id"], m["httpMethod"], m["flatPath"],
                                         m.get("parameters", {}), request))
        known = {r.id for r in self.routes}
        for method_id, http_method, flat_path in EXTRA_METHODS:
            if method_id not in known:
                self.routes.append(Route(method_id, http_method, flat_path, {}, None))

    def match(self, http_method, path):
        """(route, path parameters), or (None, reason) where reason is 'method' or 'path'."""
        path_matched = False
        for r in self.routes:
            m = r.regex.match(path)
            if m:
                path_matched = True
                if r.http_method == http_method:
                    return r, m.groupdict()
        return None, ("method" if path_matched else "path")

    def check_parameters(self, route, path_params, query):
        for name, spec in route.parameters.items():
            value = path_params.get(name)
            if value is None and name in query:
                value = query[name]
            if value is None:
                if spec.get("required"):
                    raise invalid(f"Required parameter '{name}' is missing.")
                continue
            pattern = spec.get("pattern")
            if pattern and not re.fullmatch(pattern, value):
                raise invalid(
                    f"Invalid value for field '{name}': '{value}'. Must be a match of regex '{pattern}'")
            if spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
                raise invalid(f"Invalid value for field '{name}': '{value}'. Must be an integer.")
            if "enum" in spec and value not in spec["enum"]:
                raise invalid(f"Invalid value for field '{name}': '{value}'.")
        if route.parameters:
            for name in query:
                if name not in route.parameters and name not in SYSTEM_PARAMETERS:
                    raise invalid(f"Invalid JSON payload received. Unknown name \"{name}\": "
                                  "Cannot bind query parameter.")

    def check_body(self, route, body):
        if route.request_schema is None:
            return
        if not isinstance(body, dict):
            raise invalid("Invalid JSON payload received. Expected an object.")
        self._check(body, {"$ref": route.request_schema}, route.request_schema[0].lower()
                    + route.request_schema[1:])

    def _check(self, value, schema, where):
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            if not isinstance(value, dict):
                raise invalid(f"Invalid value at '{where}': expected an object.")
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for key, v in value.items():
                if key in props:
                    self._check(v, props[key], f"{where}.{key}")
                elif extra is not None:
                    self._check(v, extra, f"{where}[{key}]")
                else:
                    raise invalid(
                        f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': "
                        "Cannot find field.")
        elif kind == "array":
            if not isinstance(value, list):
                raise invalid(f"Invalid value at '{where}': expected a list.")
            for i, v in enumerate(value):
                self._check(v, schema.get("items", {}), f"{where}[{i}]")
        elif kind == "string":
            fmt = schema.get("format")
            if fmt in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool):
                return  # proto3 JSON takes 64-bit integers as numbers or strings
            if not isinstance(value, str):
                raise invalid(f"Invalid value at '{where}' ({value!r}): expected a string.")
            if "enum" in schema and value not in schema["enum"]:
                raise invalid(f"Invalid value at '{where}' ({value}): not one of "
                              f"{', '.join(schema['enum'])}.")
            if fmt in ("int64", "uint64") and not re.fullmatch(r"-?\d+", value):
                raise invalid(f"Invalid value at '{where}' ({value}): expected an integer.")
        elif kind == "integer":
            if isinstance(value, bool) or not (isinstance(value, int)
                                               or (isinstance(value, str)
                                                   and re.fullmatch(r"-?\d+", value))):
                raise invalid(f"Invalid value at '{where}' ({value!r}): expected an integer.")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise invalid(f"Invalid value at '{where}' ({value!r}): expected a boolean.")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise invalid(f"Invalid value at '{where}' ({value!r}): expected a number.")
