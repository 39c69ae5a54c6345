"""统一社会信用代码 (unified social credit code, GB 32100-2015).

18 characters from the 31-character set 0-9 A-H J-N P-R T U W-Y (no I, O, Z, S, V); the last
is a check character over the first 17, weighted 3^i mod 31.
"""

from __future__ import annotations

import unicodedata

from policykg.core.errors import InvalidInput

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character (position 18) for the first 17 characters of a code."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Check a 统一社会信用代码 and return it normalised (upper case, half-width, no spaces).

    Args:
        code: the code as written; full-width characters and surrounding spaces are accepted.

    Returns:
        The 18-character code in upper case.

    Raises:
        InvalidInput: wrong length, a character outside the GB 32100 set (named with its
            position), or a check character that does not match (the expected one is named).
    """
    if not isinstance(code, str):
        raise InvalidInput(f"统一社会信用代码 must be text, got {type(code).__name__}")
    norm = unicodedata.normalize("NFKC", code).strip().upper()
    if len(norm) != LENGTH:
        raise InvalidInput(f"统一社会信用代码 {code.strip()!r} has {len(norm)} characters; it needs {LENGTH}")
    for pos, ch in enumerate(norm, 1):
        if ch not in _VALUE:
            raise InvalidInput(
                f"统一社会信用代码 {norm}: character {ch!r} at position {pos} is not allowed "
                f"(only 0-9 and A-H J-N P-R T U W-Y; I O S V Z are never used)")
    expected = check_character(norm[:17])
    if norm[17] != expected:
        raise InvalidInput(
            f"统一社会信用代码 {norm}: check character (position 18) is {norm[17]!r}, "
            f"expected {expected!r} — a character is mistyped")
    return norm
