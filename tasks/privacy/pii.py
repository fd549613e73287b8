"""Personal data in text, as people write it: every finding with its span, not just the first.

Phone numbers come from Google's libphonenumber (`phonenumbers`), bank identifiers, social security numbers
and card checksums from `python-stdnum`; what is left is regular expressions with checks on top. A national
number (no leading +) counts only when it is grouped like a phone number or a phone word stands next to it,
so that the figures of a word problem, an order number or a date never read as a phone.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

import phonenumbers
from phonenumbers.phonenumberutil import (  # the matcher's own alphabet and extensions
    _EXTN_PATTERNS_FOR_MATCHING,
    _PLUS_CHARS,
    _VALID_PUNCTUATION,
)
from stdnum import bic, iban, luhn
from stdnum.us import rtn, ssn

from tasks.privacy.findings import Finding

PHONE_REGIONS = ("US", "GB")  # how a number without a country code is read
# Each specific kind belongs to one of the detectors a spec names (gates.privacy.detectors).
DETECTOR_OF_KIND = {
    "email": "email",
    "phone": "phone",
    "payment_card": "payment_card",
    "iban": "bank_account",
    "us_routing_number": "bank_account",
    "bic": "bank_account",
    "us_ssn": "national_id",
    "uk_nino": "national_id",
    "ip_address": "ip_address",
}

_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|dev|app|info|biz|me|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|ru|cn|jp|in"
    "|br|au|ca|ie|nz"
)
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_WORD = r"[A-Za-z0-9_%+-]+"
_OBFUSCATED_EMAIL = re.compile(rf"(?i)(?<![\w.])({_WORD}(?:{_DOT}{_WORD})*){_AT}((?:{_WORD}{_DOT})+(?:{_TLDS}))\b")
_NOT_A_DOMAIN = {"the", "a", "an", "this", "that", "my", "your", "our", "his", "her", "their", "its", "least", "most"}
_PHONE_WORD_LIST = "phone|call|tel|telephone|mobile|cell|fax|sms|text|whatsapp|dial|ring|contact"
_PHONE_WORDS = re.compile(rf"(?i)\b(?:{_PHONE_WORD_LIST})\b")
_PHONE_WORD_PARTS = re.compile(rf"(?i){_PHONE_WORD_LIST}")  # anywhere: find_phones' window may cut a word
_CARD = re.compile(r"(?<![\d.,/-])[2-6]\d(?:[ .\-/]?\d){11,17}(?![\d]|[.,/-]\d)")
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d]|-\d)")
_SSN_WORDS = re.compile(r"(?i)\b(?:ssn|social security|ss#|ss no|taxpayer|itin)\b")
_UK_NINO = re.compile(r"\b(?![DFIQUV])[A-Z](?![DFIQUVO])[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_IBAN = re.compile(r"(?i)\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){11,30}\b")
_NINE_DIGITS = re.compile(r"(?<![\d-])\d{9}(?![\d]|-\d)")
_ROUTING_WORDS = re.compile(r"(?i)\b(?:routing|aba|rtn|transit)\b")
_BIC = re.compile(r"\b[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b")
_BIC_WORDS = re.compile(r"(?i)\b(?:bic|swift)\b")
_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def _near(words: re.Pattern, text: str, start: int, end: int, reach: int = 40) -> bool:
    return bool(words.search(text[max(0, start - reach) : end + reach]))


def find_emails(text: str) -> list[Finding]:
    found = [Finding("email", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
    for match in _OBFUSCATED_EMAIL.finditer(text):
        domain_first = re.split(_DOT, match.group(2), maxsplit=1, flags=re.I)[0].lower()
        plain = "@" in match.group() and _EMAIL.fullmatch(match.group().strip())  # found above already
        if not plain and domain_first not in _NOT_A_DOMAIN:
            found.append(Finding("email", match.start(), match.end(), match.group()))
    return found


def _looks_dialled(raw: str, region: str) -> bool:
    """A national number grouped as people write phones: in several groups, no run of single digits as in
    '1 2 3 4 5 6 7 8 9 10', and the groups the region's formats make (libphonenumber's STRICT_GROUPING): a
    calculation such as '1906576 / 4696' is a valid US number by its digits, never a phone as written."""
    groups = re.findall(r"\d+", raw)
    if len(groups) < 2 or sum(len(g) == 1 for g in groups) > 1:
        return False
    strict = phonenumbers.PhoneNumberMatcher(raw, region, leniency=phonenumbers.Leniency.STRICT_GROUPING)
    return any(match.start == 0 and match.end == len(raw) for match in strict)


# The text the matcher can read as one number: an optional '+' (only ever a number's first sign), then digits
# joined by libphonenumber's own phone punctuation (spaces, dashes, dots, slashes, brackets, 'x'); a letter, a
# comma, a colon, a newline or a second '+' ends it. A number's national digits all lie in one such run (its
# extension, after 'ext' or '#', adds none), so a text whose runs all hold too few digits for a valid number of any
# region holds no phone, and the matcher (most of the privacy gate's time) is not run on it.
_EXTENSION = re.compile(_EXTN_PATTERNS_FOR_MATCHING, re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_MATCHER_RUN = re.compile(f"[{_PLUS_CHARS}]?[{_VALID_PUNCTUATION}\\d]+", re.IGNORECASE)  # as the matcher reads


@lru_cache(maxsize=16)
def fewest_phone_digits(regions: tuple[str, ...]) -> tuple[int, int]:
    """(digits, digits after a '+') the shortest valid number can have, read in `regions` or dialled abroad."""
    metadata = phonenumbers.PhoneMetadata
    everywhere = [metadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
    everywhere += [metadata.metadata_for_nongeo_region(c) for c in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    anywhere = min(_shortest(m) for m in everywhere)
    national = min((_shortest(metadata.metadata_for_region(r)) for r in regions), default=anywhere)
    # abroad: at least one digit of exit code and one of country code before the national number
    return min(national, anywhere + 2), anywhere + 1


def _shortest(metadata) -> int:
    """The fewest digits a national number of this region can have (any region's fewest, 4, when unknown)."""
    lengths = metadata.general_desc.possible_length if metadata and metadata.general_desc else ()
    return min(lengths, default=4)


def _number_runs(text: str, regions: tuple[str, ...]) -> Iterator[re.Match]:
    """The runs the matcher could read a valid number of `regions` in: digits enough (_MATCHER_RUN)."""
    plain, after_plus = fewest_phone_digits(regions)
    for run in _MATCHER_RUN.finditer(text):
        digits = sum(c.isdecimal() for c in run.group())
        if digits >= (min(plain, after_plus) if run.group()[0] in _PLUS_CHARS else plain):
            yield run


def may_hold_phone(text: str, regions: Iterable[str] = PHONE_REGIONS) -> bool:
    """False only when no run the matcher could read as a number holds digits enough for a valid one."""
    return next(_number_runs(text, tuple(regions)), None) is not None


def _in_groups(run: re.Match, text: str) -> bool:
    """Whether a number read in `run` may be written in two groups of digits or more (what _looks_dialled asks):
    the run holds two, or an extension follows its digits (the matcher's own extension pattern, where it looks)."""
    groups = list(_DIGITS.finditer(run.group()))
    return len(groups) > 1 or _EXTENSION.match(text, run.start() + groups[-1].end()) is not None


def may_find_phone(text: str, regions: Iterable[str] = PHONE_REGIONS) -> bool:
    """False only when find_phones keeps nothing: no phone word anywhere, and no run with digits enough that
    starts with '+' or may be written in groups. A word problem's figure ('shares 2011608 stickers') is then never
    handed to the matcher."""
    runs = _number_runs(text, tuple(regions))
    if _PHONE_WORD_PARTS.search(text):
        return next(runs, None) is not None
    return any(run.group()[0] in _PLUS_CHARS or _in_groups(run, text) for run in runs)


def find_phones(text: str, regions: Iterable[str] = PHONE_REGIONS) -> list[Finding]:
    regions = tuple(regions)
    if not may_find_phone(text, regions):
        return []
    return unscreened_phones(text, regions)


def unscreened_phones(text: str, regions: tuple[str, ...]) -> list[Finding]:
    """The matcher's valid numbers that read as phones: dialled abroad ('+'), grouped as a phone, or beside a
    phone word (find_phones without its screen)."""
    found: dict[tuple[int, int], Finding] = {}
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            raw = match.raw_string
            if (
                raw.startswith("+")
                or _looks_dialled(raw, region)
                or _near(_PHONE_WORDS, text, match.start, match.end, 25)
            ):
                found.setdefault((match.start, match.end), Finding("phone", match.start, match.end, raw))
    return list(found.values())


def find_payment_cards(text: str) -> list[Finding]:
    found = []
    for match in _CARD.finditer(text):
        separators = set(re.sub(r"\d", "", match.group()))
        digits = re.sub(r"\D", "", match.group())
        if len(separators) <= 1 and 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            found.append(Finding("payment_card", match.start(), match.end(), match.group()))
    return found


def find_national_ids(text: str) -> list[Finding]:
    found = []
    for match in _SSN.finditer(text):
        digits = "".join(match.group(1, 3, 4))
        separated = bool(match.group(2))
        if ssn.is_valid(digits) and (separated or _near(_SSN_WORDS, text, match.start(), match.end())):
            found.append(Finding("us_ssn", match.start(), match.end(), match.group()))
    found += [Finding("uk_nino", m.start(), m.end(), m.group()) for m in _UK_NINO.finditer(text)]
    return found


def _longest_valid_iban(candidate: str) -> str | None:
    """The candidate, or the longest prefix of it ending on a group, that is a valid IBAN (a word after the
    IBAN in capitals joins the regex match)."""
    pieces = re.split(r"(?<=[ -])", candidate)
    while pieces:
        text = "".join(pieces).rstrip(" -")
        if len(re.sub(r"[ -]", "", text)) >= 15 and iban.is_valid(text.upper().replace("-", " ")):
            return text
        pieces.pop()
    return None


def find_bank_accounts(text: str) -> list[Finding]:
    found = []
    for match in _IBAN.finditer(text):
        valid = _longest_valid_iban(match.group())
        if valid:
            found.append(Finding("iban", match.start(), match.start() + len(valid), valid))
    for match in _NINE_DIGITS.finditer(text):
        if rtn.is_valid(match.group()) and _near(_ROUTING_WORDS, text, match.start(), match.end()):
            found.append(Finding("us_routing_number", match.start(), match.end(), match.group()))
    for match in _BIC.finditer(text):
        if bic.is_valid(match.group()) and _near(_BIC_WORDS, text, match.start(), match.end(), 20):
            found.append(Finding("bic", match.start(), match.end(), match.group()))
    return found


def find_ip_addresses(text: str) -> list[Finding]:
    found = []
    for pattern in (_IPV4, _IPV6):
        for match in pattern.finditer(text):
            groups = [g for g in match.group().split(":") if g]
            if not re.search(r"\d", match.group()) or (pattern is _IPV6 and len(groups) < 3):
                continue  # 'dead::beef' is a C++ scope and 'b[::2]' a slice; '::1' is no one's address
            try:
                ipaddress.ip_address(match.group())
            except ValueError:
                continue
            found.append(Finding("ip_address", match.start(), match.end(), match.group()))
    return found


FINDERS: dict[str, Callable[[str], list[Finding]]] = {
    "email": find_emails,
    "phone": find_phones,
    "payment_card": find_payment_cards,
    "bank_account": find_bank_accounts,
    "national_id": find_national_ids,
    "ip_address": find_ip_addresses,
}


def find_pii(
    text: str, detectors: Iterable[str] = tuple(FINDERS), phone_regions: Iterable[str] = PHONE_REGIONS
) -> list[Finding]:
    """Every finding of the named detectors in text, sorted by position (findings may overlap)."""
    found: list[Finding] = []
    for name in detectors:
        if name == "phone":
            found += find_phones(text or "", phone_regions)
        elif name in FINDERS:
            found += FINDERS[name](text or "")
    return sorted(found, key=lambda f: (f.start, f.end))
