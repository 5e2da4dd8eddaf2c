"""The one error type of the ingest tier, and the reason codes a rejection can carry.

``IngestError`` carries the HTTP status the contract gives it; one handler renders it as JSON.
Reason codes are stable: metrics, dead-letter rows and operators' queries use them.
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


class IngestError(Exception):
    status = 422

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Rejected(IngestError):
    """A message the tier will not accept; it is stored as a dead letter and answered 422."""

    status = 422

    def __init__(self, reason, detail=""):
        assert reason in REASONS, reason
        super().__init__(reason, detail)


class Unauthorized(IngestError):
    status = 401


class TooLarge(IngestError):
    status = 413


class Unavailable(IngestError):
    """The message could not be made durable now; EMQX retries on 503."""

    status = 503
