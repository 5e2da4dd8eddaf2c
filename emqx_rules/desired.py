"""What the broker should hold: the rule files rendered as EMQX REST v5 objects (pure).

Bodies are the POST bodies of ``/connectors``, ``/actions`` and ``/rules``
(emqx/emqx apps/emqx_bridge_http/src/emqx_bridge_http_schema.erl, emqx_rule_engine_api.erl).
The only inputs besides the files are two environment values: the webhook tier's URL and its
bearer token. A token is a secret EMQX shows back as ``"******"``, so the connector's description
carries a short fingerprint of it: rotating the token is then visible as drift.
"""
import copy
import hashlib

# Objects we own carry this prefix in their description (and tag); --prune only touches those.
MANAGED_PREFIX = "[sdiot-managed]"
MANAGED_TAG = "sdiot-managed"


class MissingSetting(ValueError):
    """An environment value the connector needs is not set."""


def managed_description(text):
    return f"{MANAGED_PREFIX} {text}".rstrip()


def is_managed(obj):
    desc = obj.get("description") or ""
    return desc.startswith(MANAGED_PREFIX) or MANAGED_TAG in (obj.get("tags") or [])


def first_token(value):
    """The first of a comma-separated token list: the one EMQX presents (rotation puts new first)."""
    tokens = [t.strip() for t in (value or "").split(",") if t.strip()]
    return tokens[0] if tokens else None


def token_fingerprint(token):
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def connector_body(connector, environ):
    url = (environ.get(connector.url_env) or "").strip()
    if not url:
        raise MissingSetting(f"{connector.url_env} is not set (the webhook tier's base URL as EMQX reaches it)")
    body = copy.deepcopy(connector.emqx)
    body.update(type="http", name=connector.name, url=url.rstrip("/"), enable=True, tags=[MANAGED_TAG])
    description = connector.description
    if connector.bearer_token_env:
        token = first_token(environ.get(connector.bearer_token_env))
        if not token:
            raise MissingSetting(f"{connector.bearer_token_env} is not set (bearer token EMQX sends)")
        headers = dict(body.get("headers", {}))
        headers["authorization"] = f"Bearer {token}"
        body["headers"] = headers
        description = f"{description} (token-fp={token_fingerprint(token)})"
    body["description"] = managed_description(description)
    return body


def action_body(rule, connector):
    defaults = copy.deepcopy(connector.action_defaults)
    resource_opts = {**defaults.pop("resource_opts", {}), **rule.action.resource_opts}
    params = {"method": rule.action.method or defaults.get("method", "post"), "path": rule.action.path}
    headers = {**defaults.get("headers", {}), **rule.action.headers}
    if headers:
        params["headers"] = headers
    if rule.action.body is not None:
        params["body"] = rule.action.body
    return {
        "type": "http", "name": rule.action.name, "connector": rule.action.connector, "enable": True,
        "description": managed_description(f"HTTP action of rule {rule.id}"), "tags": [MANAGED_TAG],
        "parameters": params, "resource_opts": resource_opts,
    }


def rule_body(rule):
    return {
        "id": rule.id, "name": rule.id, "sql": rule.emqx_sql, "actions": [f"http:{rule.action.name}"],
        "enable": rule.enable, "description": managed_description(rule.description),
    }


def render(ruleset, environ):
    """{"connectors": {name: body}, "actions": {name: body}, "rules": {id: body}}.

    Only connectors some rule uses are rendered, so an unused connector file needs no settings.
    """
    used = sorted({r.action.connector for r in ruleset.rules.values()})
    missing = [c for c in used if c not in ruleset.connectors]
    if missing:
        raise MissingSetting(f"rules use connector(s) {missing} with no file in connectors/")
    return {
        "connectors": {c: connector_body(ruleset.connectors[c], environ) for c in used},
        "actions": {r.action.name: action_body(r, ruleset.connectors[r.action.connector])
                    for r in ruleset.rules.values()},
        "rules": {r.id: rule_body(r) for r in ruleset.rules.values()},
    }
