"""What EMQX accepts in an HTTP connector and an HTTP action, read from EMQX's source (pure).

``sdiot rules lint`` checks the files against it, so that ``apply`` never meets a 400 lint could
have caught; ``export`` uses it to drop what a 6.x GET fills in and 5.8 refuses. The target is
EMQX 5.8 (compose runs emqx/emqx:5.8.9; branch release-58, 5.8.11, has the same schemas), and
every key listed here is accepted by 6.x too (emqx/emqx HEAD 50e04386de, 6.3.0-beta.2). EMQX
checks a request body with hocon, which refuses any key a struct does not declare (emqx/hocon
src/hocon_tconf.erl check_unknown_fields/3, reason unknown_fields): a 400.

Sources, emqx/emqx at v5.8.9 unless said:
- apps/emqx_resource/src/emqx_resource.erl validate_name/2: connector and action names;
- apps/emqx_bridge_http/src/emqx_bridge_http_schema.erl fields("config_connector"),
  fields("parameters_opts"), fields(action_resource_opts), method_field/0;
- apps/emqx_bridge_http/src/emqx_bridge_http_connector.erl fields(config): the pool settings;
- apps/emqx_connector/src/schema/emqx_connector_schema.erl common_resource_opts_subfields/0;
- apps/emqx_bridge/src/schema/emqx_bridge_v2_schema.erl common_action_resource_opts_subfields/0;
- apps/emqx_resource/src/schema/emqx_resource_schema.erl create_opts/1: enums, aliases, and at
  HEAD the 6.x-only options with their defaults.
"""
import re

NAME_RE = re.compile(r"^[0-9a-zA-Z][-0-9a-zA-Z_]*$")  # EMQX's own pattern, as it matches (PCRE $)
NAME_MAX = 254  # "Name length must be less than 255"

# A connector's top-level keys besides type and name (common_fields, url, headers, the pool
# settings of emqx_bridge_http_connector fields(config) without max_retries, ssl, resource_opts).
CONNECTOR_KEYS = ("connect_timeout", "description", "enable", "enable_pipelining", "headers",
                  "pool_size", "pool_type", "resource_opts", "ssl", "tags", "url")
CONNECTOR_DEPRECATED = ("request", "retry_interval")  # deprecated (5.3.2, 5.0.4): accepted, ignored
CONNECTOR_RESOURCE_OPTS = ("health_check_interval", "start_after_created", "start_timeout")
# common_action_resource_opts_subfields/0 minus what fields(action_resource_opts) filters out.
ACTION_RESOURCE_OPTS = ("buffer_mode", "buffer_seg_bytes", "health_check_interval", "inflight_window",
                        "max_buffer_bytes", "metrics_flush_interval", "query_mode", "request_ttl",
                        "resume_interval", "worker_pool_size")
ACTION_RESOURCE_ALIASES = ("async_inflight_window", "max_queue_bytes", "request_timeout")
NOT_FOR_HTTP = ("batch_size", "batch_time")
ENUMS = {"method": (("post", "put", "get", "delete"), "emqx_bridge_http_schema.erl method_field/0"),
         "query_mode": (("sync", "async"), "emqx_resource_schema.erl query_mode/1"),
         "buffer_mode": (("memory_only", "volatile_offload"), "emqx_resource_schema.erl buffer_mode/1"),
         "pool_type": (("random", "hash"), "emqx_bridge_http_connector.erl fields(config)")}
# What a 6.x GET fills in (emqx_bridge_v2_api.erl fill_defaults/3) that 5.8 refuses, with the
# value it fills (emqx_resource_schema.erl at HEAD, include/emqx_resource.hrl).
ACTION_RESOURCE_OPTS_6X = {"dispatch_strategy": "per_clientid", "health_check_interval_jitter": "0ms",
                           "health_check_timeout": "60s"}
_LATER = {"health_check_timeout": "5.10", "health_check_interval_jitter": "5.10.1", "dispatch_strategy": "6.0.3",
          "max_inactive": "5.9", "oauth2": "6.3"}
_SRC_NAME = "emqx_resource.erl validate_name/2"
_SRC_CONNECTOR = 'emqx_bridge_http_schema.erl fields("config_connector")'
_SRC_CONNECTOR_OPTS = "emqx_connector_schema.erl common_resource_opts_subfields/0"
_SRC_ACTION_OPTS = "emqx_bridge_v2_schema.erl common_action_resource_opts_subfields/0"


def name_problem(name):
    """Why EMQX would refuse ``name`` for a connector or an action, or None."""
    if NAME_RE.fullmatch(name) and len(name.encode()) <= NAME_MAX:
        return None
    return (f"{name!r} is refused: EMQX names match {NAME_RE.pattern} (a letter or digit first, then "
            f"letters, digits, '-' and '_'), under 255 characters ({_SRC_NAME})")


def _unknown(table, data, accepted, what, source, also=(), moved=()):
    out = []
    for key in sorted(set(data) - set(accepted) - set(also)):
        note = f"; {key} exists only from EMQX {_LATER[key]} on" if key in _LATER else ""
        note += "; it is an action's option: set it in [action_defaults.resource_opts]" if key in moved else ""
        out.append((f"{table} {key}", f"{what} takes only {', '.join(accepted)} on EMQX 5.8 ({source}){note}"))
    return out


def _enums(table, data):
    return [(f"{table} {key}", f"{data[key]!r} is refused: EMQX accepts {', '.join(ENUMS[key][0])} "
                               f"({ENUMS[key][1]})")
            for key in sorted(set(data) & set(ENUMS)) if data[key] not in ENUMS[key][0]]


def connector_problems(connector):
    """[(field, message)] for what EMQX would refuse in a connector file's name and [emqx] table."""
    out = []
    if problem := name_problem(connector.name):
        out.append(("connector name (the file name)", problem))
    emqx = connector.emqx
    out += _unknown("[emqx]", emqx, CONNECTOR_KEYS, "an HTTP connector", _SRC_CONNECTOR, CONNECTOR_DEPRECATED)
    out += _enums("[emqx]", emqx)
    opts = emqx.get("resource_opts", {})
    out += _unknown("[emqx.resource_opts]", opts, CONNECTOR_RESOURCE_OPTS, "a connector's resource_opts",
                    _SRC_CONNECTOR_OPTS, moved=ACTION_RESOURCE_OPTS + ACTION_RESOURCE_ALIASES)
    return out


def action_problems(table, action):
    """[(field, message)] for an action's settings; ``action`` maps name/method/body/resource_opts
    (absent = not set), ``table`` is where they are written ("[action]", "[action_defaults]")."""
    out = []
    if "name" in action and (problem := name_problem(action["name"])):
        out.append((f"{table} name", problem))
    if action.get("method") is not None:
        out += _enums(table, {"method": action["method"]})
    if action.get("body") == "":
        out.append((f"{table} body", 'body = "" makes EMQX send an empty body (the empty template renders to '
                                     "nothing: emqx_bridge_http_connector.erl render_request_body/3), not the "
                                     "JSON of the SELECT output, which it sends when body is unset (or "
                                     '"${.}"): remove the key'))
    opts = action.get("resource_opts", {})
    table = f"{table[:-1]}.resource_opts]"
    for key in sorted(set(opts) & set(NOT_FOR_HTTP)):
        out.append((f"{table} {key}", "HTTP actions take no batch_size or batch_time (emqx_bridge_http_schema.erl "
                                      "fields(action_resource_opts) filters them out): each output is one request"))
    out += _unknown(table, opts, ACTION_RESOURCE_OPTS, "an HTTP action's resource_opts", _SRC_ACTION_OPTS,
                    ACTION_RESOURCE_ALIASES + NOT_FOR_HTTP)
    out += _enums(table, opts)
    return out


def exportable_resource_opts(opts):
    """(opts 5.8 accepts, {key: value} of 6.x-only options that differ from what a 6.x GET fills in)."""
    kept = {k: v for k, v in opts.items() if k in ACTION_RESOURCE_OPTS or k in ACTION_RESOURCE_ALIASES}
    dropped = {k: v for k, v in opts.items() if k not in kept and ACTION_RESOURCE_OPTS_6X.get(k) != v}
    return kept, dropped
