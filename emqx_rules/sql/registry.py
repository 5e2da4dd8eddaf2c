"""The table of SQL functions: what EMQX exports, and what this evaluator implements.

EMQX resolves `f(args)` to emqx_rule_funcs:f/N at run time, so an unknown name or arity is a
per-message failure (`sql_function_not_supported`), not a syntax error. A name/arity EMQX does
export but we have not implemented raises UnsupportedFunction when the rule is compiled.
Implementations take evaluated arguments; those marked `env` also receive the columns when
called from SELECT/DO/FOREACH (None from WHERE), like EMQX's closure-returning functions.
"""
import importlib

# emqx/emqx:apps/emqx_rule_engine/src/emqx_rule_funcs.erl export list (v5.8.9 and 6.x)
_EXPORTS = """
msgid/0 qos/0 flags/0 flag/1 topic/0 topic/1 clientid/0 clientip/0 peerhost/0 username/0
payload/0 payload/1 contains_topic/2 contains_topic/3 contains_topic_match/2
contains_topic_match/3 null/0 coalesce/1 coalesce/2 coalesce_ne/1 coalesce_ne/2
+/2 -/2 */2 //2 div/2 mod/2 eq/2
abs/1 acos/1 acosh/1 asin/1 asinh/1 atan/1 atanh/1 ceil/1 cos/1 cosh/1 exp/1 floor/1 fmod/2
log/1 log10/1 log2/1 power/2 round/1 sin/1 sinh/1 sqrt/1 tan/1 tanh/1
bitnot/1 bitand/2 bitor/2 bitxor/2 bitsl/2 bitsr/2
bitsize/1 bytesize/1 subbits/2 subbits/3 subbits/4 subbits/5 subbits/6
str/1 str_utf8/1 str_utf16_le/1 bool/1 int/1 float/1 float/2 float2str/2 map/1
bin2hexstr/1 bin2hexstr/2 hexstr2bin/1 hexstr2bin/2 sqlserver_bin2hexstr/1
is_null/1 is_null_var/1 is_not_null/1 is_not_null_var/1 is_str/1 is_bool/1 is_int/1
is_float/1 is_num/1 is_map/1 is_array/1 is_empty/1
lower/1 ltrim/1 reverse/1 rtrim/1 rtrim/2 rm_prefix/2 strlen/1 substr/2 substr/3 trim/1
upper/1 split/2 split/3 concat/1 concat/2 tokens/2 tokens/3 sprintf_s/2 pad/2 pad/3 pad/4
replace/3 replace/4 regex_match/2 regex_replace/3 regex_extract/2 ascii/1 find/2 find/3
join_to_string/1 join_to_string/2 map_to_redis_hset_args/1 join_to_sql_values_string/1
jq/2 jq/3 unescape/1
map_new/0 map_get/2 map_get/3 map_put/3 map_keys/1 map_values/1 map_to_entries/1 map_size/1
mget/2 mget/3 mput/3
nth/2 length/1 sublist/2 sublist/3 first/1 last/1 contains/2
md5/1 sha/1 sha256/1 hash/2 zip/1 unzip/1 gzip/1 gunzip/1 zip_compress/1 zip_uncompress/1
base64_encode/1 base64_encode/2 base64_encode/3 base64_decode/1 base64_decode/2
base64_decode/3 json_decode/1 json_encode/1 term_decode/1 term_encode/1
now_rfc3339/0 now_rfc3339/1 unix_ts_to_rfc3339/1 unix_ts_to_rfc3339/2 rfc3339_to_unix_ts/1
rfc3339_to_unix_ts/2 now_timestamp/0 now_timestamp/1 format_date/3 format_date/4
date_to_unix_ts/3 date_to_unix_ts/4 timezone_to_second/1 timezone_to_offset_seconds/1
getenv/1 mongo_date/0 mongo_date/1 mongo_date/2 random/0 uuid_v4/0 uuid_v4_no_hyphen/0
proc_dict_get/1 proc_dict_put/2 proc_dict_del/1 kv_store_get/1 kv_store_get/2
kv_store_put/2 kv_store_del/1
"""
EMQX_FUNCTIONS = {}
for _item in _EXPORTS.split():
    _name, _, _arity = _item.rpartition("/")
    EMQX_FUNCTIONS.setdefault(_name, set()).add(int(_arity))

# name -> arity (None: any) -> (python function, needs columns)
IMPLEMENTED = {}


def sql_function(name, *arities, env=False):
    """Register an implementation of EMQX function `name` for the given arities."""
    def register(func):
        slot = IMPLEMENTED.setdefault(name, {})
        for arity in arities or (None,):
            slot[arity] = (func, env)
        return func
    return register


def lookup(name, arity):
    """(func, env) for name/arity, 'unknown' if EMQX has no such function, or 'unsupported'."""
    _load()
    impl = IMPLEMENTED.get(name, {})
    if arity in impl:
        return impl[arity]
    if None in impl:
        return impl[None]
    if name == "sprintf" and arity >= 1:
        return "unsupported"
    if arity in EMQX_FUNCTIONS.get(name, ()):
        return "unsupported"
    return "unknown"


# modules that register implementations when imported (loaded on first lookup, so importing
# emqx_rules stays light)
_MODULES = ("funcs_binary", "funcs_codec", "funcs_date_parse", "funcs_format", "funcs_lists", "funcs_maps",
            "funcs_math", "funcs_message", "funcs_sprintf", "funcs_strings", "funcs_system",
            "funcs_time", "funcs_types")
_loaded = []


def _load():
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f"{__package__}.{name}")
        _loaded.append(True)
