"""Password hashes exactly as EMQX's ``emqx_passwd`` computes and compares them.

Source: emqx/emqx:apps/emqx/src/emqx_passwd.erl (``hash/2``, ``hash_data/2``, ``check_pass/3``).
- md5/sha/sha256/sha512: lowercase hex of H(salt||password) (prefix, EMQX's default),
  H(password||salt) (suffix) or H(password) (disable). The salt is the raw string from the DB.
- pbkdf2: lowercase hex of PBKDF2-HMAC(mac_fun, password, salt, iterations, dk_length); dk_length
  defaults to the digest size.
- plain: the password itself (with the salt attached by position), compared case-sensitively.
Hashes compare case-insensitively, in constant time. bcrypt is not provided here (the project
does not use it; see the README for why).

Devices get random 256-bit secrets, so the cheap salted SHA-256 (``DEVICE_ALGORITHM``) is as
strong as any KDF for them and costs the broker microseconds per login in a reconnect storm.
"""
import hashlib
import hmac
import secrets

# Must equal authentication.password_hash_algorithm in ops/emqx/auth.hocon (a test checks it).
DEVICE_ALGORITHM = {"name": "sha256", "salt_position": "suffix"}
_SIMPLE = {"md5": "md5", "sha": "sha1", "sha256": "sha256", "sha512": "sha512"}
_PBKDF2_MAC = {"sha": "sha1", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}


class UnsupportedAlgorithm(ValueError):
    """An algorithm EMQX has but this module does not compute (bcrypt), or one EMQX lacks."""


def new_secret():
    """A device secret: 256 random bits, URL-safe (43 characters), shown once."""
    return secrets.token_urlsafe(32)


def new_salt():
    """A 128-bit salt as 32 hex characters (a plain string, as EMQX uses the salt verbatim)."""
    return secrets.token_hex(16)


def hash_password(algorithm, password, salt=""):
    """The ``password_hash`` EMQX would compute for ``password`` with ``algorithm`` and ``salt``."""
    name = algorithm["name"]
    pw, salt_b = _bytes(password), _bytes(salt)
    if name == "pbkdf2":
        mac = _PBKDF2_MAC.get(algorithm["mac_fun"])
        if mac is None:
            raise UnsupportedAlgorithm(f"pbkdf2 mac_fun {algorithm['mac_fun']!r}")
        dk = algorithm.get("dk_length") or None  # None: the digest size, as EMQX
        return hashlib.pbkdf2_hmac(mac, pw, salt_b, int(algorithm["iterations"]), dk).hex()
    position = algorithm.get("salt_position", "prefix")
    data = {"prefix": salt_b + pw, "suffix": pw + salt_b, "disable": pw}.get(position)
    if data is None:
        raise UnsupportedAlgorithm(f"salt_position {position!r}")
    if name == "plain":
        return data.decode("utf-8")
    if name not in _SIMPLE:
        raise UnsupportedAlgorithm(f"password_hash_algorithm {name!r}")
    return hashlib.new(_SIMPLE[name], data).hexdigest()


def check_password(algorithm, password_hash, salt, password):
    """EMQX's ``check_pass``: does ``password`` match the stored hash (None password: never)."""
    if password is None or password_hash is None:
        return False
    computed = hash_password(algorithm, password, salt)
    if algorithm["name"] == "plain":
        return hmac.compare_digest(_bytes(computed), _bytes(password_hash))
    return hmac.compare_digest(_bytes(computed.lower()), _bytes(str(password_hash).lower()))


def _bytes(value):
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")  # EMQX: salt_not_string
    return value.encode("utf-8")
