"""Long-running operations: every mutation answers with an Operation that goes PENDING → RUNNING →
DONE, global, zonal or regional, as in recorded traffic; the work itself (an image import, a group's
deletion) runs while the operation is RUNNING, and its failure ends the operation DONE with
httpErrorStatusCode, httpErrorMessage and error.errors[], which is how Compute Engine reports it.

A repeated requestId returns the first call's operation instead of doing the work twice, as the API
documents for every mutating method.
"""

import copy
import secrets
import threading
import time
import traceback

from errors import ApiError
from store import LINK_BASE, link, new_id, now


class Operations:
    def __init__(self, store, step_seconds, log):
        self.store = store
        self.step = step_seconds
        self.log = log
        self.changed = threading.Condition(store.lock)
        self.by_request_id = {}
        self.fail_next = None  # an ApiError the next started operation ends with (test faults)

    def start(self, project, scope, op_type, target_link, target_id=None, work=None,
              request_id=None, finished=False, rollback=None):
        """Creates the operation and runs {@code work} in the background; returns a copy to answer.

        With finished=True (setLabels and similar metadata changes) the operation is DONE at once,
        as the recorded setLabels answer is. rollback undoes what the handler did before the work
        (an image that exists while it imports) when an injected failure replaces the work.
        """
        with self.store.lock:
            if request_id:
                known = self.by_request_id.get((project, request_id))
                if known is not None:
                    return copy.deepcopy(known)
            name = (f"operation-{int(time.time() * 1000)}-{secrets.token_hex(6)}-"
                    f"{secrets.token_hex(4)}-{secrets.token_hex(4)}")
            op = {
                "kind": "compute#operation",
                "id": new_id(),
                "name": name,
                "operationType": op_type,
                "targetLink": target_link,
                "targetId": target_id or "",
                "status": "PENDING",
                "user": "user@example.com",
                "progress": 0,
                "insertTime": now(),
                "startTime": now(),
                "selfLink": link(project, scope, "operations", name),
            }
            if scope.startswith("zones/"):
                op["zone"] = LINK_BASE + f"projects/{project}/{scope}"
            elif scope.startswith("regions/"):
                op["region"] = LINK_BASE + f"projects/{project}/{scope}"
            if not op["targetId"]:
                del op["targetId"]
            if self.fail_next is not None:
                failure, self.fail_next = self.fail_next, None

                def work():
                    if rollback:
                        with self.store.lock:
                            rollback()
                    raise failure
            self.store.put(project, scope, "operations", name, op)
            if request_id:
                self.by_request_id[(project, request_id)] = op
            if finished:
                if work:
                    work()
                op.update(status="DONE", progress=100, endTime=now())
                return copy.deepcopy(op)
            answer = copy.deepcopy(op)
        threading.Thread(target=self._run, args=(op, work), daemon=True,
                         name="op-" + name[-8:]).start()
        return answer

    def _run(self, op, work):
        time.sleep(self.step)
        with self.store.lock:
            op.update(status="RUNNING", progress=0)
            self.changed.notify_all()
        error = None
        try:
            if work:
                work()
        except ApiError as e:
            error = e
        except Exception as e:  # a bug in the fake must still end the operation, visibly
            self.log("operation %s failed: %s\n%s" % (op["name"], e, traceback.format_exc()))
            error = ApiError(500, "backendError", f"Internal error in the fake: {e}")
        time.sleep(self.step)
        with self.store.lock:
            if error is not None:
                op.update(error.operation_error())
            op.update(status="DONE", progress=100, endTime=now())
            self.changed.notify_all()

    def get(self, project, scope, name):
        with self.store.lock:
            return copy.deepcopy(self.store.get(project, scope, "operations", name))

    def wait(self, project, scope, name, limit):
        """Blocks until DONE or {@code limit} seconds (the API's own limit is about 2 minutes)."""
        end = time.monotonic() + limit
        with self.store.lock:
            op = self.store.get(project, scope, "operations", name)
            while op["status"] != "DONE":
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
            return copy.deepcopy(op)
