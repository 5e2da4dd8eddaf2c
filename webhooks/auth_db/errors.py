"""Errors of the auth DB operations, each carrying the HTTP status the device API answers with.

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


class AuthDBError(Exception):
    status = 400
    code = "bad_request"
    outcome = "error"

    @property
    def detail(self):
        return str(self)

    @property
    def extra(self):
        return {}


class InvalidDevice(AuthDBError):
    status = 422
    code = "invalid_device"


class ImportFailed(AuthDBError):
    status = 422
    code = "import_failed"

    def __init__(self, report):
        super().__init__(f"{len(report)} row(s) rejected; nothing was imported")
        self.report = report  # [(line number, device id or '', reason)]

    @property
    def extra(self):
        return {"rows": [{"line": n, "device_id": d, "reason": r} for n, d, r in self.report]}


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
