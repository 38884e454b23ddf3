"""Resident ID numbers (居民身份证号): checked, then kept only as a keyed hash and last four digits."""

import hashlib
import hmac
import re

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FULL = re.compile(r"^\d{17}[\dX]$")
_LAST4 = re.compile(r"^\d{3}[\dX]$")


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def is_valid_id_number(number: str) -> bool:
    """An 18-character number whose check character matches (GB 11643)."""
    if not _FULL.match(number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17]


def is_valid_last4(value: str) -> bool:
    return bool(_LAST4.match(value))


def id_hash(number: str, key: str) -> str:
    """HMAC-SHA256 of the number: matches re-imports without keeping the number in clear."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()
