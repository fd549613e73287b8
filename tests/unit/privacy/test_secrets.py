"""The secrets detector: keys, tokens, JWTs, private keys, key= assignments and this process's own secrets."""

import pytest

from tasks.privacy.secrets import find_secrets, secret_env_values

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    "text, kind, value",
    [
        (
            "Use sk-ant-api03-abcdefghijklmnopqrstuvwx0123 please",
            "anthropic_api_key",
            "sk-ant-api03-abcdefghijklmnopqrstuvwx0123",
        ),
        ("OPENAI sk-proj-abcdefghijklmnopqrstuvwx1234", "openai_api_key", "sk-proj-abcdefghijklmnopqrstuvwx1234"),
        ("key sk-abcdefghijklmnopqrstuvwxyz012345", "openai_api_key", "sk-abcdefghijklmnopqrstuvwxyz012345"),
        ("AWS key AKIAIOSFODNN7EXAMPLE leaked", "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            "my AWS secret is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok",
            "aws_secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
        (
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789",
            "github_token",
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789",
        ),
        (
            "slack xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
            "slack_token",
            "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
        ),
        (f"Authorization: Bearer {JWT}", "jwt", JWT),
        (f"key file:\n{PEM}\nend", "private_key", PEM),
        ("google AIzaSyA1234567890abcdefghijklmnopqrstuv", "google_api_key", "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
        ("config: api_key = 'Zx81kq0Pf93LmQ2a'", "secret_assignment", "Zx81kq0Pf93LmQ2a"),
        ('{"client_secret": "9f8a7b6c5d4e3f2a1b0c"}', "secret_assignment", "9f8a7b6c5d4e3f2a1b0c"),
        (
            "sk_live_abcdefghijklmnopqrstuvwx",
            "stripe_access_key",
            "sk_live_abcdefghijklmnopqrstuvwx",
        ),  # from detect-secrets' plugins
    ],
)
def test_each_secret_kind_is_found_whole(text, kind, value):
    found = [f for f in find_secrets(text, environ={}) if f.kind == kind]
    assert found and found[0].value == value and text[found[0].start : found[0].end] == value


def test_a_truncated_private_key_is_found_to_the_end():
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA"
    (finding,) = [f for f in find_secrets(text, environ={}) if f.kind == "private_key"]
    assert finding.end == len(text)


def test_the_processes_own_secrets_are_found_verbatim(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "plainvalue-not-shaped-like-a-key")
    monkeypatch.setenv("DB_PASSWORD", "hunter2hunter2")
    monkeypatch.setenv("SHORT_TOKEN", "abc")
    monkeypatch.setenv("HOME_DIR_NAME", "plainvalue-not-a-secret-name")
    values = secret_env_values()
    assert (
        values["plainvalue-not-shaped-like-a-key"] == "ANTHROPIC_API_KEY" and values["hunter2hunter2"] == "DB_PASSWORD"
    )
    assert "abc" not in values and "plainvalue-not-a-secret-name" not in values
    text = "printed: plainvalue-not-shaped-like-a-key and hunter2hunter2 and abc"
    assert [f.kind for f in find_secrets(text)] == ["env_secret", "env_secret"]


@pytest.mark.parametrize(
    "text",
    [
        "The password must be at least 8 characters.",
        "token = tokens[0]",
        "password = input('Password: ')",
        "secret: the recipe is in grandma's notebook",
        "api_key = os.environ['API_KEY']",
        "Maria has 3 apples and buys 4 more. How many apples does Maria have now?",
        "The sha256 of the file is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
        "Tokenization splits text into 12 tokens; the key idea is attention.",
        "Use the skeleton key to open the door; sk-8 is a size.",
        "ISBN 978-3-16-148410-0 and order 2125551234",
    ],
)
def test_ordinary_text_holds_no_secret(text):
    assert find_secrets(text, environ={}) == []
