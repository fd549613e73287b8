"""Privacy gate: personal data and secrets in generated text.

Each detector returns the first match it finds in a text, or None. Payment cards must pass the Luhn check,
IPv4 addresses must have valid octets, and US social security numbers must be in issued ranges, so that
order numbers, versions and dates do not read as personal data.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_PHONE = re.compile(
    r"(?<!\w)(?<!\d\.)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?!\w|\.\d)|\+\d{10,14}\b"
)
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
_UK_NINO = re.compile(r"\b(?![DFIQUV])[A-Z](?![DFIQUVO])[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_IPV6 = re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}\b")
_SECRETS = re.compile(
    r"\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{20,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{36}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35})\b"
    r"|-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----"
    r"|(?i:\b(?:api[_-]?key|secret|access[_-]?token|password)\b\s*[:=]\s*['\"]?[A-Za-z0-9_\-/+]{12,})"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def find_email(text: str) -> str | None:
    match = _EMAIL.search(text)
    return match.group() if match else None


def find_phone(text: str) -> str | None:
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 10 <= len(digits) <= 15 and not _IPV4.fullmatch(match.group()):
            return match.group()
    return None


def find_payment_card(text: str) -> str | None:
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return match.group()
    return None


def find_national_id(text: str) -> str | None:
    match = _SSN.search(text) or _UK_NINO.search(text)
    return match.group() if match else None


def find_ip_address(text: str) -> str | None:
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            try:
                ipaddress.ip_address(match.group())
                return match.group()
            except ValueError:
                continue
    return None


def find_secret(text: str) -> str | None:
    match = _SECRETS.search(text)
    return match.group() if match else None


DETECTORS: dict[str, Callable[[str], str | None]] = {
    "email": find_email,
    "phone": find_phone,
    "payment_card": find_payment_card,
    "national_id": find_national_id,
    "ip_address": find_ip_address,
    "secret": find_secret,
}


def redact(found: str) -> str:
    """What the quarantine keeps of a finding: its shape, not the value."""
    return re.sub(r"[A-Za-z]", "x", re.sub(r"\d", "9", found))[:40]


def find_pii(text: str, detectors: Sequence[str]) -> tuple[str, str] | None:
    """(detector, redacted finding) of the first detector that fires, or None."""
    for name in detectors:
        found = DETECTORS[name](text or "")
        if found:
            return name, redact(found)
    return None
