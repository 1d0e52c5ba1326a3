"""Compute Engine's error documents: the JSON body of a failed call, and the error of a DONE operation.

Shapes follow recorded traffic: a 404 is {"error": {"code": 404, "message": ..., "errors": [{"domain":
"global", "reason": "notFound", "message": ...}]}}; an operation that failed is DONE with
httpErrorStatusCode, httpErrorMessage and error.errors[] of {code, message}.
"""

from http import HTTPStatus


class ApiError(Exception):
    """A failed call: HTTP status, the reason word GCE uses, and its message."""

    def __init__(self, status, reason, message, domain="global", headers=None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.headers = headers or {}

    def body(self):
        return {
            "error": {
                "code": self.status,
                "message": self.message,
                "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
            }
        }

    def operation_error(self, code=None):
        """The fields an Operation carries when it ends with this error."""
        return {
            "httpErrorStatusCode": self.status,
            "httpErrorMessage": HTTPStatus(self.status).phrase.upper(),
            "error": {"errors": [{"code": code or getattr(self, "operation_code", None)
                                  or self.reason.upper(), "message": self.message}]},
        }


def not_found(path):
    return ApiError(404, "notFound", f"The resource '{path}' was not found")


def already_exists(path):
    return ApiError(409, "alreadyExists", f"The resource '{path}' already exists")


def condition_not_met(message):
    return ApiError(412, "conditionNotMet", message)


def invalid(message):
    return ApiError(400, "invalid", message)


def bad_request(message):
    return ApiError(400, "badRequest", message)


def resource_in_use(message):
    return ApiError(400, "resourceInUseByAnotherResource", message)


def rate_limited():
    return ApiError(429, "rateLimitExceeded", "Rate Limit Exceeded", domain="usageLimits")


def backend_error():
    return ApiError(503, "backendError", "Internal error. Please try again or contact Google Support.")


def by_status(status, message=None):
    """An error for a fault-injection knob: the reason GCE uses for that status."""
    if status == 429:
        return rate_limited()
    if status >= 500:
        e = backend_error()
        e.status = status
        return e
    reasons = {400: "badRequest", 403: "forbidden", 404: "notFound", 409: "alreadyExists",
               412: "conditionNotMet"}
    return ApiError(status, reasons.get(status, "error"), message or HTTPStatus(status).phrase)
