"""Errors of the auth DB operations, each carrying the HTTP status the device API answers with.

A branch of the one API error tree (``webhooks.errors.ApiError``):

AuthDBError
├── InvalidDevice      422  bad farm / type / id, or a bad request field
├── ImportFailed       422  a CSV file with bad rows (nothing was imported); .report lists them
├── DeviceExists       409
├── DeviceInactive     409  revoked or decommissioned: cannot rotate, issue certificates, configure
├── DeviceNotFound     404
├── CAError            409  no CA, or a CA that cannot be used
└── EmqxError          503  EMQX's REST API failed or is not configured (retrying is safe)
The CLI prints ``str(error)`` and exits 1; the API renders them like every ``webhooks.errors.ApiError``
(``webhooks.responses.error_response``: ``{"status", "error": code, "detail", ...}``).
"""
from webhooks.errors import ApiError


class AuthDBError(ApiError):
    status = 400
    code = "bad_request"

    def __init__(self, message=""):
        Exception.__init__(self, message)  # str(error) is the operator's message, as the CLI prints it
        self.detail, self.extra = message, {}


class InvalidDevice(AuthDBError):
    status = 422
    code = "invalid_device"


class ImportFailed(AuthDBError):
    status = 422
    code = "import_failed"

    def __init__(self, report):
        super().__init__(f"{len(report)} row(s) rejected; nothing was imported")
        self.report = report  # [(line number, device id or '', reason)]
        self.extra = {"rows": [{"line": n, "device_id": d, "reason": r} for n, d, r in report]}


class DeviceExists(AuthDBError):
    status = 409
    code = "device_exists"


class DeviceInactive(AuthDBError):
    status = 409
    code = "device_inactive"


class DeviceNotFound(AuthDBError):
    status = 404
    code = "device_not_found"


class CAError(AuthDBError):
    status = 409
    code = "ca_error"


class EmqxError(AuthDBError):
    status = 503
    code = "emqx_unavailable"
    outcome = "unavailable"
