"""Taking a device out of service: revoke (stop it now) and decommission (for good).

The database change comes first and is committed on its own: from then on EMQX's authn query
finds no row and the authz view yields no row (no_match = deny). But EMQX keeps live sessions
and per-client authz caches (up to a minute, more with 5.9+'s node cache), so the device is
then kicked and its caches cleared through the REST API. If that call fails the revocation
still stands; the result says so and repeating the command is safe (it is idempotent).
"""
from webhooks.auth_db import certs
from webhooks.auth_db.errors import DeviceNotFound, EmqxError
from webhooks.auth_db.provisioning import get_device


def revoke(conn, device_id, emqx, reason="privilegeWithdrawn"):
    """Deactivate, revoke its certificates, kick; ``emqx`` None skips the kick.

    Any user, not only devices: a leaked backend (service) secret must be revocable the same way."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE mqtt_user SET active = false, revoked_at = COALESCE(revoked_at, now())"
            " WHERE username = %s RETURNING username", (device_id,)).fetchone()
        if row is None:
            raise DeviceNotFound(f"no device {device_id!r}")
        serials = certs.revoke_for_device(conn, device_id, reason)
    return _result(conn, device_id, serials, emqx)


def decommission(conn, device_id, emqx):
    """Revoke for good: the secret is erased, the id stays reserved, certificates revoked."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE mqtt_user SET active = false, password_hash = NULL, salt = '',"
            " revoked_at = COALESCE(revoked_at, now()), decommissioned_at = COALESCE(decommissioned_at, now())"
            " WHERE username = %s AND role = 'device' RETURNING username", (device_id,)).fetchone()
        if row is None:
            raise DeviceNotFound(f"no device {device_id!r}")
        serials = certs.revoke_for_device(conn, device_id, "cessationOfOperation")
    return _result(conn, device_id, serials, emqx)


def _result(conn, device_id, serials, emqx):
    result = {"device": get_device(conn, device_id), "revoked_certificates": serials,
              "kicked": None, "kick_error": None}
    if emqx is None:
        result["kick_error"] = "EMQX REST API not configured; live sessions were not kicked"
        return result
    try:
        result["kicked"] = emqx.disconnect_user(device_id)
    except EmqxError as exc:
        result["kick_error"] = str(exc)
    return result
