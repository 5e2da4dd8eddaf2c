"""The few EMQX REST API v5 calls the auth DB needs: find, un-cache and kick a user's clients,
reset node caches, and publish a retained message. Built on the one REST client
(webhooks/emqx_api.py); its EmqxApiError becomes the auth DB's EmqxError (503) in ``_call``.

Shapes, from emqx/emqx (5.8 and 6.x alike):
- apps/emqx_management/src/emqx_mgmt_api_clients.erl: ``GET /clients?username=U`` →
  ``{"data": [{"clientid": ..., "username": ...}], "meta": {...}}``; ``DELETE /clients/{id}`` →
  204, 404 ``{"code": "CLIENTID_NOT_FOUND"}``; ``DELETE /clients/{id}/authorization/cache`` → 204/404.
- apps/emqx_auth/src/emqx_authz/emqx_authz_api_cache.erl (5.9+): ``POST
  /authorization/node_cache/reset`` → 204; absent on 5.8 (404), which is fine.
- apps/emqx_management/src/emqx_mgmt_api_publish.erl: ``POST /publish`` → 200 ``{"id"}``, 202
  ``{"reason_code": 16, "message": "no_matching_subscribers"}`` (the retainer still keeps a
  retained message), 400 bad topic, 503 dispatch failure.
"""
import json

from webhooks.auth_db.errors import EmqxError
from webhooks.emqx_api import EmqxApi, EmqxApiError

TIMEOUT = (3.05, 10)  # (connect, read) seconds: an operator is waiting
COMPONENT = "auth-db"


class EmqxAdmin:
    def __init__(self, api):
        self.api = api

    @classmethod
    def from_settings(cls, settings):
        """From SDIOT_EMQX_API_URL/_KEY/_SECRET; raises EmqxError when they are not set."""
        try:
            return cls(EmqxApi.from_settings(settings, timeout=TIMEOUT, component=COMPONENT))
        except EmqxApiError as exc:
            raise EmqxError(str(exc)) from None

    @classmethod
    def from_env(cls, environ=None):
        from webhooks import config

        return cls.from_settings(config.from_env(environ))

    def _call(self, method, path, ok, **kwargs):
        try:
            return self.api.call(method, path, ok, **kwargs)
        except EmqxApiError as exc:
            raise EmqxError(str(exc)) from exc

    def client_ids(self, username):
        """Client ids of the sessions EMQX holds for ``username`` (first 100; a device has one)."""
        resp = self._call("GET", "/clients", (200,), params={"username": username, "limit": 100})
        try:
            return [c["clientid"] for c in resp.json()["data"]]
        except (ValueError, KeyError, TypeError):
            raise EmqxError("EMQX GET /clients: unexpected body") from None

    def clean_authz_cache(self, clientid):
        """True when the client existed (204), False when it was not connected (404)."""
        path = f"/clients/{self.api.quote(clientid)}/authorization/cache"
        return self._call("DELETE", path, (204, 404)).status_code == 204

    def kick(self, clientid):
        return self._call("DELETE", f"/clients/{self.api.quote(clientid)}", (204, 404)).status_code == 204

    def reset_node_caches(self):
        """The 5.9+ node-wide authn/authz caches; 404 on 5.8, which has none."""
        for path in ("/authorization/node_cache/reset", "/authentication/node_cache/reset"):
            self._call("POST", path, (204, 404))

    def disconnect_user(self, username):
        """Clear the authz cache of and kick every session of ``username``; returns kicked ids.

        The id itself is tried too: devices connect with clientid = device id, and on the mTLS
        listener it is the certificate CN.
        """
        ids = list(dict.fromkeys([*self.client_ids(username), username]))
        kicked = []
        for clientid in ids:
            self.clean_authz_cache(clientid)
            if self.kick(clientid):
                kicked.append(clientid)
        self.reset_node_caches()
        return kicked

    def publish(self, topic, payload, qos=1, retain=True):
        """Publish through the broker (no MQTT client here); returns EMQX's message id or None."""
        body = {"topic": topic, "payload": json.dumps(payload, separators=(",", ":"), sort_keys=True),
                "qos": qos, "retain": retain, "payload_encoding": "plain"}
        resp = self._call("POST", "/publish", (200, 202), json=body)
        try:
            return resp.json().get("id")
        except ValueError:
            return None


def from_settings_or_none(settings):
    """The configured EMQX admin client, or None when SDIOT_EMQX_API_* are not set."""
    try:
        return EmqxAdmin.from_settings(settings)
    except EmqxError:
        return None
