"""The EMQX authn/authz settings as shipped in ops/emqx/auth.hocon, and EMQX-style binding.

The simulator and the tests run *these* queries, read from the file EMQX loads, so what is
tested is what the broker runs. pyhocon parses the file (a full HOCON parser: triple quotes,
dotted keys and includes would defeat a hand-rolled one).
"""
import functools
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

# ops/emqx/auth.hocon, installed as package data of ``sdiot_emqx`` (see setup.py)
DEFAULT_PATH = Path(str(files("sdiot_emqx").joinpath("auth.hocon")))
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


class ConfigError(Exception):
    """The EMQX auth config is missing or lacks what the auth DB needs."""


@dataclass(frozen=True)
class EmqxAuthConfig:
    path: Path
    authn_query: str
    authz_query: str
    hash_algorithm: dict
    no_match: str


def load(path=None):
    """Read the PostgreSQL authenticator and authz source from ``path`` (default: the repo's)."""
    path = Path(path or DEFAULT_PATH)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file (pass --emqx-config)")
    # Parsing takes pyhocon ~0.4 s; keyed on the file's mtime, so an edit is seen at once.
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path, _mtime):
    from pyhocon import ConfigFactory  # imported here: only the auth commands need it

    try:
        conf = ConfigFactory.parse_file(str(path), resolve=False)
    except Exception as exc:  # pyhocon raises several unrelated types; one boundary maps them
        raise ConfigError(f"{path}: not valid HOCON: {exc}") from None
    authn = _pick(conf.get("authentication", []), backend="postgresql", mechanism="password_based")
    authz_conf = conf.get("authorization", {})
    authz = _pick(authz_conf.get("sources", []), type="postgresql")
    if authn is None or authz is None:
        raise ConfigError(f"{path}: needs a password_based/postgresql authenticator and a postgresql authz source")
    algorithm = dict(authn.get("password_hash_algorithm", {"name": "sha256", "salt_position": "prefix"}))
    return EmqxAuthConfig(path, str(authn["query"]), str(authz["query"]), algorithm,
                          str(authz_conf.get("no_match", "allow")))  # allow: EMQX 5.x's default


def _pick(items, **wanted):
    for item in items:
        if all(str(item.get(k, "")) == v for k, v in wanted.items()) and item.get("enable", True):
            return item
    return None


def bind(query, variables):
    """``query`` with EMQX ``${var}`` placeholders turned into psycopg parameters.

    EMQX binds each placeholder as a prepared-statement parameter ($1..$n), so it is never
    quoted; this does the same with ``%s``. A placeholder with no value binds NULL, as EMQX
    binds ``undefined`` clients' fields (the row then matches nothing).
    """
    params = []

    def sub(match):
        params.append(variables.get(match.group(1)))
        return "%s"

    sql = _PLACEHOLDER.sub(sub, query.replace("%", "%%"))
    return sql, params


def run_authn(conn, config, username, **client):
    """The first row of the authn query as a dict, or None (EMQX: ignore)."""
    sql, params = bind(config.authn_query, {"username": username, "clientid": client.get("clientid", username), **client})
    cur = conn.execute(sql, params)
    row = cur.fetchone()
    return None if row is None else dict(zip([d.name for d in cur.description], row))


def run_authz(conn, config, username, **client):
    """The rows of the authz query as dicts, in the order EMQX would see them."""
    sql, params = bind(config.authz_query, {"username": username, "clientid": client.get("clientid", username), **client})
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
