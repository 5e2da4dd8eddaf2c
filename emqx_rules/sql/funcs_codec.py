"""Hashes and encodings (emqx_rule_funcs: md5/1, sha/1, sha256/1, hash/2, base64_*,
bin2hexstr/1,2, hexstr2bin/1,2, sqlserver_bin2hexstr/1).

They work on binaries: UTF-8 text (str) or any other bytes (values.bin_value), so chains such
as bin2hexstr(hexstr2bin(x)) or base64_encode(gzip(payload)) behave as in EMQX.
"""
import base64
import binascii
import hashlib

from .errors import BadArg
from .registry import sql_function
from .strings_core import binary
from .values import UNDEFINED, atom_text, bin_value, is_atom

_ALGORITHMS = {"md5": "md5", "sha": "sha1", "sha1": "sha1", "sha224": "sha224",
               "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
               "sha3_224": "sha3_224", "sha3_256": "sha3_256", "sha3_384": "sha3_384",
               "sha3_512": "sha3_512", "blake2b": "blake2b", "blake2s": "blake2s"}


def raw(data, name):
    """The bytes of a binary argument (EMQX's is_binary/1 guard)."""
    if type(data) is bytes:
        return data
    return binary(data, name).encode()


def _hash(algorithm, data, name):
    return hashlib.new(_ALGORITHMS[algorithm], raw(data, name)).hexdigest()


@sql_function("md5", 1)
def md5(s):
    return _hash("md5", s, "md5")


@sql_function("sha", 1)
def sha(s):
    return _hash("sha", s, "sha")


@sql_function("sha256", 1)
def sha256(s):
    return _hash("sha256", s, "sha256")


@sql_function("hash", 2)
def hash_(algorithm, data):
    if data is None or data is UNDEFINED:
        raise BadArg("hash: null data")
    if is_atom(data):
        data = atom_text(data)
    if algorithm not in _ALGORITHMS or type(algorithm) is not str:
        raise BadArg(f"unknown_hash_algorithm {algorithm!r}")
    return _hash(algorithm, data, "hash")


def _b64_opts(opts):
    padding, urlsafe = True, False
    for opt in opts:
        if opt == "no_padding":
            padding = False
        elif opt == "urlsafe":
            urlsafe = True
    return padding, urlsafe


@sql_function("base64_encode", 1, 2, 3)
def base64_encode(data, *opts):
    data = raw(data, "base64_encode")
    padding, urlsafe = _b64_opts(opts)
    out = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return out if padding else out.rstrip("=")


@sql_function("base64_decode", 1, 2, 3)
def base64_decode(data, *opts):
    text = binary(data, "base64_decode")
    padding, urlsafe = _b64_opts(opts)
    if not padding:
        text += "=" * (-len(text) % 4)
    try:
        if urlsafe:
            text = text.replace("-", "+").replace("_", "/")
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadArg(f"base64_decode: {e}") from None
    return bin_value(decoded)


@sql_function("bin2hexstr", 1)
def bin2hexstr(data):
    return raw(data, "bin2hexstr").hex().upper()


@sql_function("bin2hexstr", 2)
def bin2hexstr_prefixed(data, prefix):
    if prefix is UNDEFINED:
        return bin2hexstr(data)
    return binary(prefix, "bin2hexstr") + bin2hexstr(data)


@sql_function("sqlserver_bin2hexstr", 1)
def sqlserver_bin2hexstr(data):
    return "0x" + bin2hexstr(data)


@sql_function("hexstr2bin", 2)
def hexstr2bin_prefixed(data, prefix):
    if prefix is UNDEFINED:
        return hexstr2bin(data)
    data, prefix = binary(data, "hexstr2bin"), binary(prefix, "hexstr2bin")
    if not data.startswith(prefix):
        raise BadArg("hexstr2bin: binary_prefix_unmatch")
    return hexstr2bin(data[len(prefix):])


@sql_function("hexstr2bin", 1)
def hexstr2bin(data):
    text = binary(data, "hexstr2bin")
    try:
        # emqx_utils:hexstr_to_bin/1 reads an odd-length string as if it had a leading 0
        decoded = bytes.fromhex(("0" + text) if len(text) % 2 else text)
    except ValueError as e:
        raise BadArg(f"hexstr2bin: {e}") from None
    return bin_value(decoded)
