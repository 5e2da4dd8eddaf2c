"""The one module that talks to EMQX: REST API v5 for rules, HTTP connectors and actions.

Authentication is HTTP Basic with an API key and secret (``SDIOT_EMQX_API_KEY`` /
``SDIOT_EMQX_API_SECRET``) against ``SDIOT_EMQX_API_URL`` (``http://host:18083``, with or
without ``/api/v5``). Shapes follow EMQX's source, 5.8 and 6.x:
apps/emqx_rule_engine/src/emqx_rule_engine_api.erl (rules: paged ``{data, meta}``, 201 on create,
400 "rule id already exists", 404 NOT_FOUND, 204 on delete; ``/rule_test`` 200 / 412 NOT_MATCH /
400), apps/emqx_bridge/src/emqx_bridge_v2_api.erl and apps/emqx_connector/src/emqx_connector_api.erl
(lists, ``{type}:{name}`` ids, 201/200/204, 400 ALREADY_EXISTS). Every failure leaves this module
as ``EmqxApiError``.
"""
import os

import requests

USER_AGENT = "sdiot-rules/1"
_COLLECTION = {"connector": "connectors", "action": "actions", "rule": "rules"}


class EmqxApiError(Exception):
    """EMQX answered with an error, or could not be reached (status None)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status, self.code = status, code


class EmqxApi:
    def __init__(self, base_url, key, secret, session=None, timeout=(5, 30)):
        base = base_url.rstrip("/")
        self.base = base if base.endswith("/api/v5") else base + "/api/v5"
        self.session = session or requests.Session()
        self.session.auth = (key, secret)
        self.session.headers["User-Agent"] = USER_AGENT
        self.timeout = timeout

    @classmethod
    def from_env(cls, environ=None, session=None):
        env = os.environ if environ is None else environ
        missing = [v for v in ("SDIOT_EMQX_API_URL", "SDIOT_EMQX_API_KEY", "SDIOT_EMQX_API_SECRET")
                   if not env.get(v)]
        if missing:
            raise EmqxApiError(f"set {', '.join(missing)} (EMQX dashboard: System > API Key)")
        return cls(env["SDIOT_EMQX_API_URL"], env["SDIOT_EMQX_API_KEY"], env["SDIOT_EMQX_API_SECRET"],
                   session=session)

    def _call(self, method, path, ok, **kwargs):
        try:
            resp = self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise EmqxApiError(f"{method} {path}: EMQX unreachable: {exc.__class__.__name__}") from None
        if resp.status_code not in ok:
            try:
                err = resp.json()
            except ValueError:
                err = {}
            err = err if isinstance(err, dict) else {}
            raise EmqxApiError(f"{method} {path}: {resp.status_code} {err.get('code', '')} "
                               f"{err.get('message', resp.text[:200])}".rstrip(),
                               status=resp.status_code, code=err.get("code"))
        return resp

    # --- reading ---------------------------------------------------------------------------

    def list_rules(self, limit=1000):
        rules, page = [], 1
        while True:
            body = self._call("GET", "/rules", (200,), params={"page": page, "limit": limit}).json()
            rules += body.get("data", [])
            if not body.get("meta", {}).get("hasnext"):
                return rules
            page += 1

    def _list(self, collection):
        body = self._call("GET", f"/{collection}", (200,)).json()
        return body.get("data", []) if isinstance(body, dict) else body

    def snapshot(self):
        """{"connectors": {name: obj}, "actions": {name: obj}, "rules": {id: obj}}; HTTP ones only."""
        return {
            "connectors": {c["name"]: c for c in self._list("connectors") if c.get("type") == "http"},
            "actions": {a["name"]: a for a in self._list("actions") if a.get("type") == "http"},
            "rules": {r["id"]: r for r in self.list_rules()},
        }

    # --- writing ---------------------------------------------------------------------------

    @staticmethod
    def _id(kind, name):
        return name if kind == "rule" else f"http:{name}"

    def create(self, kind, body):
        return self._call("POST", f"/{_COLLECTION[kind]}", (200, 201), json=body).json()

    def update(self, kind, name, body):
        """PUT the full object (5.8 replaces, 6.x merges: sending everything is right for both)."""
        put = {k: v for k, v in body.items() if k not in ("type", "name", "id")} if kind != "rule" else body
        return self._call("PUT", f"/{_COLLECTION[kind]}/{self._id(kind, name)}", (200,), json=put).json()

    def delete(self, kind, name):
        self._call("DELETE", f"/{_COLLECTION[kind]}/{self._id(kind, name)}", (204,))

    # --- dry run ---------------------------------------------------------------------------

    def rule_test(self, sql, context):
        """("match", output) | ("nomatch", None) | ("error", message) from POST /rule_test."""
        try:
            resp = self._call("POST", "/rule_test", (200,), json={"sql": sql, "context": context})
        except EmqxApiError as exc:
            if exc.status == 412:
                return "nomatch", None
            if exc.status == 400:
                return "error", str(exc)
            raise
        return "match", resp.json()
