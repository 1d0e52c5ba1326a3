"""What every handler gets: the parsed request and the fake's shared state, and the handler registry."""

import copy

from errors import invalid

HANDLERS = {}


def handles(*method_ids):
    """Registers a function as the handler of API methods (ids as in the discovery document)."""

    def register(fn):
        for m in method_ids:
            HANDLERS[m] = fn
        return fn

    return register


class Request:
    def __init__(self, route, params, query, body):
        self.route = route
        self.method = route.id
        self.params = params
        self.query = query
        self.body = body if body is not None else {}
        self.project = params.get("project")
        if "zone" in params:
            self.scope = "zones/" + params["zone"]
        elif "region" in params:
            self.scope = "regions/" + params["region"]
        else:
            self.scope = "global"

    def param(self, *names):
        """The first path parameter of these names (the API names them per resource)."""
        for n in names:
            if n in self.params:
                return self.params[n]
        raise KeyError(names)

    def request_id(self):
        return self.query.get("requestId")

    def int_query(self, name):
        try:
            return int(self.query[name])
        except (KeyError, ValueError):
            raise invalid(f"Invalid value for field '{name}': '{self.query.get(name)}'.")


class Context:
    """The fake's state: resources, operations, settings, and the instance runtime."""

    def __init__(self, store, operations, settings, log):
        self.store = store
        self.ops = operations
        self.settings = settings
        self.log = log
        self.runtime = None  # set by the server: boots instances (instances.py)


def answer(resource):
    """A copy to send, without the fake's own bookkeeping (keys starting with '_': QEMU handles,
    events, members), so the client never sees later changes through a shared dict."""
    return copy.deepcopy({k: v for k, v in resource.items() if not k.startswith("_")})
