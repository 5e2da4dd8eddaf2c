"""The one error tree of the HTTP APIs (ingest and devices), and the reason codes a rejection carries.

    ApiError                 .status decides the answer; .code names it; .detail says why
    ├── Rejected        422  ingest: the body is kept as a dead letter with its reason code
    │   └── TooLarge    413  over the body limit (a bounded prefix is kept)
    ├── BadRequest      400  the caller's mistake, nothing kept (device API input)
    ├── Unauthorized    401  no valid bearer token; nothing stored
    ├── LengthRequired  411  no Content-Length and not chunked: nothing to keep
    └── Unavailable     503  could not be made durable now: ``Retry-After`` (from settings) asks
                             again; EMQX retries only 429/503, so this is also the answer to a bug
                             that left nothing stored

``webhooks.responses.error_response`` renders any of them (and the auth DB's ``AuthDBError``, which
carries a status the same way) as the one JSON shape ``{"status", "error", "detail", ...}``. Reason
codes are stable: metrics, dead-letter rows and operators' queries use them.
"""

# reason code -> what it means (README and `sdiot deadletters list` print these)
REASONS = {
    "invalid_json": "the request body is not JSON",
    "invalid_envelope": "the body is not the envelope the EMQX rule produces (missing or mistyped field)",
    "invalid_topic": "the topic does not match the envelope's farm, device path, device id and kind",
    "unknown_device_path": "the device path is not one of the seven device types",
    "device_prefix_mismatch": "the device id's prefix does not fit the device path",
    "identity_mismatch": "MQTT username / certificate CN, topic device id and payload device_id disagree",
    "payload_not_json": "the MQTT payload is not JSON",
    "payload_not_object": "the MQTT payload is JSON but not an object",
    "payload_too_deep": "the MQTT payload nests deeper than the limit",
    "payload_invalid_characters": "the MQTT payload holds NUL or unpaired surrogate characters",
    "schema_violation": "the payload does not match the device type's JSON Schema",
    "timestamp_in_future": "the device timestamp is further in the future than the allowed clock skew",
    "timestamp_too_old": "the device timestamp is older than the backfill window",
    "body_too_large": "the request body is over the size limit (a bounded prefix is kept)",
    "unstorable": "the database refused the values (kept here instead)",
    "internal_error": "a bug in the tier; the body is kept for replay once fixed",
}


class ApiError(Exception):
    status = 400
    outcome = "error"  # the answer's "status" word

    def __init__(self, code, detail="", status=None, **extra):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.extra = extra  # more fields for the JSON answer
        if status is not None:  # e.g. an HTTP error werkzeug raised (404, 405)
            self.status = status

    @property
    def reason(self):
        return self.code


class Rejected(ApiError):
    """A message the tier will not accept; it is stored as a dead letter and answered 422."""
    status = 422
    outcome = "rejected"

    def __init__(self, reason, detail="", **extra):
        assert reason in REASONS, reason
        super().__init__(reason, detail, **extra)


class TooLarge(Rejected):
    status = 413


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401
    outcome = "unauthorized"


class LengthRequired(ApiError):
    status = 411
    outcome = "length_required"


class Unavailable(ApiError):
    """Not durable now; the caller (EMQX) sends it again after ``Retry-After``."""
    status = 503
    outcome = "unavailable"
