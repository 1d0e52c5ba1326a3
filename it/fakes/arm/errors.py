"""ARM error responses: {"error": {"code", "message"}} with the HTTP status ARM uses."""


class ArmError(Exception):
    def __init__(self, status, code, message, headers=None, target=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.target = target

    def body(self):
        err = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        return {"error": err}


def not_found(type_name, name, group):
    # The gateway's wording, as in the recorded 404 (x-ms-failure-cause: gateway).
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_name}/{name}' under resource group '{group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        headers={"x-ms-failure-cause": "gateway"},
    )


def invalid(message, target=None):
    return ArmError(400, "InvalidParameter", message, target=target)


def conflict(code, message, target=None):
    return ArmError(409, code, message, target=target)
