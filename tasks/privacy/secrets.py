"""Secrets in text: API keys, cloud keys, tokens, JWTs, private keys, high-entropy `key=` assignments, and the
values of this process's own secret-looking environment variables wherever they appear verbatim.

The vendor token shapes of Yelp's detect-secrets (its regex plugins: Stripe, Twilio, GitLab, npm, PyPI, ...)
are used for breadth. Its own scanner is not: on a string it returns values without spans, some cut to a
capture group ('ghp' for a GitHub token, a JWT without its signature), so those matches are re-run here with
spans and the keys that matter most have their own patterns.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache

from tasks.privacy.findings import Finding

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-+/=.]*")
_PATTERNS = {
    "anthropic_api_key": re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    "openai_api_key": re.compile(r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
    "aws_access_key_id": re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[0-9A-Z]{16}\b"),
    "github_token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    "slack_token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9_/]+"),
    "google_api_key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),
    "jwt": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    # To its END line, or over the base64 body when the END line is missing (not beyond: a quote may end a JSON string).
    "private_key": re.compile(
        r"-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)",
        re.S,
    ),
}
# An AWS secret access key is 40 base64 characters; only with AWS or secret wording nearby is it one.
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_WORDS = re.compile(r"(?i)aws|secret|access.?key")
_ASSIGNMENT = re.compile(
    r"(?i)\b[\w.-]*(?:api[_-]?key|secret|token|passw(?:or)?d|passwd|pwd|access[_-]?key|auth[_-]?key|credentials?|private[_-]?key)[\w.-]*"
    r"['\"]?\s*(?::|=|=>)\s*['\"]?([A-Za-z0-9_\-+/=.~!@#$%^&*]{8,})"
)
_SECRET_NAME = re.compile(r"(?:^|_)(?:[A-Z0-9]*KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)(?:_|$)")
# Covered above with whole-token spans, or not secrets in prose (public IPs, entropy and keyword heuristics).
_VENDOR_SKIP = {
    "AWS Access Key",
    "GitHub Token",
    "JSON Web Token",
    "OpenAI Token",
    "Private Key",
    "Slack Token",
    "Public IP (ipv4)",
    "Secret Keyword",
    "Base64 High Entropy String",
    "Hex High Entropy String",
}


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _random_looking(value: str) -> bool:
    """Keys mix character classes and have high entropy; words, identifiers and numbers do not."""
    classes = sum(bool(re.search(p, value)) for p in ("[a-z]", "[A-Z]", "[0-9]", r"[^A-Za-z0-9]"))
    return len(value) >= 8 and classes >= 2 and shannon_entropy(value) >= 3.0 and not value.isdigit()


@lru_cache(maxsize=1)
def vendor_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    """(kind, regex) for each of detect-secrets' regex plugins not covered above."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    patterns = []
    plugins: dict[str, type] = get_mapping_from_secret_type_to_class()
    for secret_type, plugin in sorted(plugins.items()):
        if secret_type in _VENDOR_SKIP or not issubclass(plugin, RegexBasedDetector):
            continue
        kind = re.sub(r"\W+", "_", secret_type.lower()).strip("_")
        patterns += [(kind, regex) for regex in plugin.denylist]  # type: ignore[attr-defined]  # a class attribute
    return tuple(patterns)


def secret_env_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{value: variable name} of environment variables named like a secret whose value has at least 8 characters."""
    environ = os.environ if environ is None else environ
    return {
        value: name for name, value in environ.items() if _SECRET_NAME.search(name.upper()) and len(value.strip()) >= 8
    }


def secret_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The secret-named variables of environ (default: this process's now). Scanning many texts, read it once and
    pass it to each find_secrets: reading the whole environment per text cost more than the scan."""
    return {name: value for value, name in secret_env_values(environ).items()}


def find_secrets(text: str, environ: Mapping[str, str] | None = None) -> list[Finding]:
    """Every secret in text, sorted by position (findings may overlap)."""
    return sorted(find_secret_shapes(text) + find_env_secrets(text, environ), key=lambda f: (f.start, f.end))


def find_secret_shapes(text: str) -> list[Finding]:
    """The secrets known by their shape (keys, tokens, high-entropy assignments): the same on every machine."""
    text = text or ""
    found = [
        Finding(kind, m.start(), m.end(), m.group()) for kind, regex in _PATTERNS.items() for m in regex.finditer(text)
    ]
    for match in _AWS_SECRET.finditer(text):
        if _random_looking(match.group()) and _AWS_WORDS.search(text[max(0, match.start() - 80) : match.start()]):
            found.append(Finding("aws_secret_access_key", match.start(), match.end(), match.group()))
    for match in _ASSIGNMENT.finditer(text):
        if _random_looking(match.group(1)):
            found.append(Finding("secret_assignment", match.start(1), match.end(1), match.group(1)))
    for kind, regex in vendor_patterns():
        for match in regex.finditer(text):
            # The plugins' matches may stop short of the token (lazy endings, capture groups): run on to its end.
            end = match.end() + len(_TOKEN_CHARS.match(text, match.end()).group())  # type: ignore[union-attr]
            found.append(Finding(kind, match.start(), end, text[match.start() : end]))
    return found


def find_env_secrets(text: str, environ: Mapping[str, str] | None = None) -> list[Finding]:
    """The values of environ's secret-named variables (default: this process's), wherever they stand in text."""
    return [
        Finding("env_secret", match.start(), match.end(), value)
        for value in secret_env_values(environ)
        for match in re.finditer(re.escape(value), text or "")
    ]
