"""The rules tool's calls to EMQX: rules, HTTP connectors and HTTP actions, and ``/rule_test``.

A thin layer over the one REST client (webhooks/emqx_api.py), whose ``EmqxApiError`` is the only
error that leaves. Shapes follow EMQX's handlers, 5.8 and 6.x alike (emqx/emqx):
- apps/emqx_rule_engine/src/emqx_rule_engine_api.erl: ``GET /rules`` paged ``{data, meta}``; POST
  201, 400 "rule id already exists"; PUT 200; 404 NOT_FOUND; DELETE 204; ``/rule_test`` 200 with
  the output, 412 NOT_MATCH, 400 for a parse or runtime error.
- apps/emqx_connector/src/emqx_connector_api.erl, apps/emqx_bridge/src/emqx_bridge_v2_api.erl:
  plain lists, ``{type}:{name}`` ids, POST 201 (400 ALREADY_EXISTS), PUT 200, DELETE 204.

What a PUT does differs by kind, on 5.8.9 and on 6.x alike. A rule's PUT is merged into the
stored rule, key by key: on 5.8.9 by the config handler's default (emqx_rule_engine exports no
pre_config_update, so apps/emqx/src/emqx_config_handler.erl merge_to_old_config/2 runs), on 6.x
explicitly (emqx_rule_engine_api.erl '/rules/:id'(put): maps:merge(RawRule0, Params)). A
connector's or an action's PUT replaces the stored one (emqx_connector.erl
connector_pre_config_update/3, emqx_bridge_v2.erl pre_config_update/3), keeping a secret sent as
"******" (emqx_bridge_v2_api.erl handle_update/3: emqx_utils:deobfuscate). Sending the whole
object is right for all three.
"""
from webhooks.emqx_api import EmqxApi, EmqxApiError

_COLLECTION = {"connector": "connectors", "action": "actions", "rule": "rules"}


class RulesApi:
    def __init__(self, api):
        self.api = api

    @classmethod
    def from_settings(cls, settings, session=None):
        return cls(EmqxApi.from_settings(settings, session=session, component="rules"))

    @classmethod
    def from_env(cls, environ=None, session=None):
        return cls(EmqxApi.from_env(environ, session=session, component="rules"))

    # --- reading ---------------------------------------------------------------------------

    def list_rules(self, limit=1000):
        rules, page = [], 1
        while True:
            body = self.api.json("GET", "/rules", params={"page": page, "limit": limit})
            rules += body.get("data", [])
            if not body.get("meta", {}).get("hasnext"):
                return rules
            page += 1

    def _list(self, collection):
        body = self.api.json("GET", f"/{collection}")
        return body.get("data", []) if isinstance(body, dict) else body

    def snapshot(self):
        """{"connectors": {name: obj}, "actions": {name: obj}, "rules": {id: obj}}; HTTP ones only."""
        return {
            "connectors": {c["name"]: c for c in self._list("connectors") if c.get("type") == "http"},
            "actions": {a["name"]: a for a in self._list("actions") if a.get("type") == "http"},
            "rules": {r["id"]: r for r in self.list_rules()},
        }

    # --- writing ---------------------------------------------------------------------------

    def _path(self, kind, name):
        ident = self.api.quote(name)
        return f"/{_COLLECTION[kind]}/{ident if kind == 'rule' else 'http:' + ident}"

    def create(self, kind, body):
        return self.api.json("POST", f"/{_COLLECTION[kind]}", (200, 201), json=body)

    def update(self, kind, name, body):
        """PUT the whole object (see the module docstring); a connector's or action's PUT body
        is its POST body without type and name."""
        put = body if kind == "rule" else {k: v for k, v in body.items() if k not in ("type", "name", "id")}
        return self.api.json("PUT", self._path(kind, name), json=put)

    def delete(self, kind, name):
        self.api.call("DELETE", self._path(kind, name), (204,))

    # --- dry run ---------------------------------------------------------------------------

    def rule_test(self, sql, context):
        """("match", output) | ("nomatch", None) | ("error", message) from POST /rule_test."""
        try:
            output = self.api.json("POST", "/rule_test", json={"sql": sql, "context": context})
        except EmqxApiError as exc:
            if exc.status == 412:
                return "nomatch", None
            if exc.status == 400:
                return "error", str(exc)
            raise
        return "match", output
