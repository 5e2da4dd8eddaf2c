"""Bearer-token checks (EMQX's HTTP action has no request signing; a token header is what exists).

Several tokens are valid at once so they can be rotated: add the new one to the tier, put it
first in EMQX's list, then remove the old one. Every configured token is compared, in constant
time, so the answer's timing does not tell which one (or how much of one) matched.
"""
import hmac


def bearer(header):
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def valid(header, tokens):
    return matches(bearer(header), tokens)


def matches(token, tokens):
    """A token presented some other way (a login form): the same constant-time comparison."""
    if not token or not tokens:
        return False
    presented = token.encode()
    hits = [hmac.compare_digest(presented, t.encode()) for t in tokens]
    return any(hits)
