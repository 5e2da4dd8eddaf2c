"""Per-evaluation state: the lazily decoded payload (EMQX keeps it in the process dictionary
for one rule application, emqx_rule_runtime:maybe_decode_payload/1)."""
from . import jsonio
from .errors import RuleRuntimeError

_NOT_CACHED = object()


class EvalState:
    __slots__ = ("payload",)

    def __init__(self):
        self.payload = _NOT_CACHED

    def decode_payload(self, value):
        """maybe_decode_payload/1: strings decode once per evaluation (the *first* decoded
        payload is returned for any later string, as EMQX's cache does); other values pass."""
        if type(value) is not str and type(value) is not bytes:
            return value
        cached = self.payload
        if cached is not _NOT_CACHED:
            return cached
        try:
            if type(value) is bytes:
                raise ValueError("not UTF-8")
            decoded = jsonio.decode(value)
        except ValueError:
            raise RuleRuntimeError(
                f"decode_json_failed: the payload is not JSON ({value[:80]!r})") from None
        self.payload = decoded
        return decoded
