"""Grapheme clusters, the unit Erlang's string module counts in (strlen, substr, reverse, pad).

A simplified UAX #29 segmentation: CR LF stays together; combining marks, variation selectors,
emoji modifiers and ZWJ sequences attach to the preceding character; regional indicators pair
up. Plain ASCII without CR LF takes a fast path (one character per cluster).
"""
import unicodedata

_ZWJ = "\u200d"


def _extends(ch):
    o = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or 0xFE00 <= o <= 0xFE0F
            or 0xE0100 <= o <= 0xE01EF or 0x1F3FB <= o <= 0x1F3FF or ch == _ZWJ
            or 0xE0020 <= o <= 0xE007F)


def _regional(ch):
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def clusters(text):
    """The grapheme clusters of text, in order."""
    if text.isascii() and "\r\n" not in text:
        return list(text)
    out = []
    for ch in text:
        if out:
            last = out[-1]
            if (last == "\r" and ch == "\n") or _extends(ch) or last.endswith(_ZWJ) or \
                    (_regional(ch) and len(last) == 1 and _regional(last)):
                out[-1] = last + ch
                continue
        out.append(ch)
    return out


def length(text):
    if text.isascii() and "\r\n" not in text:
        return len(text)
    return len(clusters(text))


def slice_(text, start, count=None):
    """string:slice/2,3."""
    if text.isascii() and "\r\n" not in text:
        return text[start:] if count is None else text[start:start + count]
    parts = clusters(text)
    return "".join(parts[start:] if count is None else parts[start:start + count])


def reverse(text):
    return "".join(reversed(clusters(text)))
