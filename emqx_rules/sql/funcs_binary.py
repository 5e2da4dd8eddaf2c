"""Binary functions (emqx_rule_funcs: bytesize/1, bitsize/1, subbits/2..6, gzip/gunzip,
zip/unzip, zip_compress/zip_uncompress, str_utf16_le/1).

Binaries are UTF-8 text (str) or other bytes (values.bin_value). subbits reads bits from
1-based position Start: `integer` (signed/unsigned, big/little), `float` (32 or 64 bits) or
`bits`; when fewer than Len bits remain it reads what remains, and nothing left gives
undefined. Compression uses zlib exactly as OTP's zlib module does (same output bytes).
"""
import math
import struct
import zlib

from .errors import BadArg, NotRepresentable
from .funcs_codec import raw
from .registry import sql_function
from .values import UNDEFINED, bin_value


@sql_function("bytesize", 1)
def bytesize(data):
    return len(raw(data, "bytesize"))


@sql_function("bitsize", 1)
def bitsize(data):
    return 8 * len(raw(data, "bitsize"))


@sql_function("subbits", 2)
def subbits_len(data, length):
    return subbits(data, 1, length)


@sql_function("subbits", 3, 4, 5, 6)
def subbits(data, start, length, kind="integer", sign="unsigned", endian="big"):
    if type(start) is not int or type(length) is not int or \
            (type(data) is not str and type(data) is not bytes):
        raise BadArg("bad_sql_function_argument: subbits")
    if kind not in ("integer", "float", "bits") or sign not in ("signed", "unsigned") \
            or endian not in ("big", "little"):
        raise BadArg(f"bad_sql_function_argument: subbits({kind!r}, {sign!r}, {endian!r})")
    octets = raw(data, "subbits")
    total = 8 * len(octets)
    begin = start - 1
    if begin < 0:
        raise BadArg("subbits: negative start")
    if begin >= total:
        return UNDEFINED
    size = min(length, total - begin) if length >= 0 else -1
    if size < 0:
        raise BadArg("subbits: negative length")
    value = (int.from_bytes(octets, "big") >> (total - begin - size)) & ((1 << size) - 1)
    if kind == "bits":
        if size % 8:
            raise NotRepresentable("subbits: a bitstring that is not whole bytes")
        return bin_value(value.to_bytes(size // 8, "big"))
    if kind == "float":
        if size not in (16, 32, 64):
            raise BadArg(f"subbits: no {size}-bit float")
        packed = value.to_bytes(size // 8, "big")
        if endian == "little":
            packed = packed[::-1]
        result = struct.unpack({16: ">e", 32: ">f", 64: ">d"}[size], packed)[0]
        if math.isinf(result) or math.isnan(result):
            raise BadArg("subbits: the bits are not a finite float (no match in Erlang)")
        return result
    if endian == "little":
        if size % 8:
            raise NotRepresentable("subbits: little-endian integer of a partial byte")
        value = int.from_bytes(value.to_bytes(size // 8, "big"), "little")
    if sign == "signed" and size and value >= 1 << (size - 1):
        value -= 1 << size
    return value


def _deflate(data, wbits, name):
    c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, wbits)
    return bin_value(c.compress(raw(data, name)) + c.flush())


def _inflate(data, wbits, name):
    try:
        d = zlib.decompressobj(wbits)
        return bin_value(d.decompress(raw(data, name)) + d.flush())
    except zlib.error as e:
        raise BadArg(f"{name}: {e}") from None


for _name, _wbits in (("gzip", 31), ("zip", -15), ("zip_compress", 15)):
    sql_function(_name, 1)(lambda data, _w=_wbits, _n=_name: _deflate(data, _w, _n))
for _name, _wbits in (("gunzip", 31), ("unzip", -15), ("zip_uncompress", 15)):
    sql_function(_name, 1)(lambda data, _w=_wbits, _n=_name: _inflate(data, _w, _n))


@sql_function("str_utf16_le", 1)
def str_utf16_le(data):
    from .funcs_types import to_str
    text = to_str(data)
    if type(text) is bytes:
        raise NotRepresentable("str_utf16_le of a binary that is not UTF-8")
    return bin_value(text.encode("utf-16-le"))
