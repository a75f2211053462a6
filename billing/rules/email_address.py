"""What this service accepts as an email address.

A pragmatic check (RFC 5322 is wider, but no mail system needs more): one @, a
dot-atom local part and a domain of at least two labels, at most 254 characters.
"""

from __future__ import annotations

import re

MAX_EMAIL_LENGTH = 254

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None
