"""Keep API keys and passwords out of reprs, logs and debug dumps.

The key travels in the ``Authorization`` header (JSON-2) or inside the JSON-RPC body
(``execute_kw`` args[2], ``authenticate`` args[2]); both are masked before anything is printed.
"""
MASK = "***"
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "x-api-key"})


def mask(secret):
    """A stand-in that says whether a secret is set, never any of its characters."""
    return MASK if secret else "<unset>"


def scrub(value, secrets):
    """A copy of a JSON-like value with every occurrence of any secret replaced by MASK."""
    secrets = tuple(s for s in secrets if s)
    if not secrets:
        return value
    return _scrub(value, secrets)


def _scrub(value, secrets):
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, secrets) for v in value]
    return value


def headers(raw):
    """Headers safe to log."""
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in raw.items()}
