"""Long-running operations as ARM runs them (see "Asynchronous operations" in the ARM docs,
https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).

A mutating call answers 201/202 with Azure-AsyncOperation (a status document: InProgress, then
Succeeded or Failed with error{code,message}) and, for POST/DELETE, Location (202 while running,
then 200 with the result). Work runs on a background thread; the operation ends when it returns
or raises ArmError.
"""
import datetime
import threading
import uuid

from .errors import ArmError


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Operation:
    def __init__(self, op_id, kind, location):
        self.id = op_id
        self.kind = kind  # DiskOperations, capsOperations, operations (Compute), Network
        self.location = location
        self.status = "InProgress"
        self.start = now_iso()
        self.end = None
        self.error = None
        self.output = None  # properties.output of the status document (disk operations)
        self.result = None  # body of the final Location GET (grantAccess: {"accessSAS"})
        self.done = threading.Event()


class Operations:
    def __init__(self, base_url, subscription, min_seconds):
        self.base_url = base_url
        self.subscription = subscription
        self.min_seconds = min_seconds
        self.ops = {}
        self.lock = threading.Lock()

    def start(self, kind, location, work, namespace="Microsoft.Compute"):
        """Runs work() in the background; it returns (output, result) or raises ArmError."""
        op = Operation(str(uuid.uuid4()), kind, location)
        op.namespace = namespace
        with self.lock:
            self.ops[op.id.lower()] = op

        def run():
            started = datetime.datetime.now()
            try:
                out = work()
                op.output, op.result = out if isinstance(out, tuple) else (out, None)
                status = "Succeeded"
            except ArmError as e:
                op.error = {"code": e.code, "message": e.message}
                status = "Failed"
            except Exception as e:  # a bug in the fake must still end the operation
                op.error = {"code": "InternalExecutionError", "message": f"fake: {e!r}"}
                status = "Failed"
            # Real operations never finish inside the call that started them: clients must poll.
            left = self.min_seconds - (datetime.datetime.now() - started).total_seconds()
            if left > 0:
                op.done.wait(left)
            op.end = now_iso()
            op.status = status
            op.done.set()

        threading.Thread(target=run, daemon=True, name=f"lro-{op.id[:8]}").start()
        return op

    def get(self, op_id):
        with self.lock:
            return self.ops.get(op_id.lower())

    def path(self, op):
        ns = op.namespace
        return (
            f"/subscriptions/{self.subscription}/providers/{ns}/locations/"
            f"{op.location}/{op.kind}/{op.id}"
        )

    def headers(self, op, api_version, with_location):
        url = self.base_url + self.path(op)
        h = {"Azure-AsyncOperation": f"{url}?api-version={api_version}"}
        if with_location:
            h["Location"] = f"{url}?monitor=true&api-version={api_version}"
        return h

    @staticmethod
    def status_document(op):
        doc = {"startTime": op.start, "status": op.status, "name": op.id}
        if op.end:
            doc["endTime"] = op.end
        if op.status == "Succeeded" and op.output is not None:
            doc["properties"] = {"output": op.output}
        if op.error:
            doc["error"] = op.error
        return doc
