import pytest

from tasks.verify.pii import DETECTORS, find_pii, luhn_valid

ALL = list(DETECTORS)


@pytest.mark.parametrize(
    "text, detector",
    [
        ("Write to maria.lopez@example.org for details.", "email"),
        ("Call me on +44 20 7946 0958 tomorrow.", "phone"),
        ("My number is (415) 555-2671.", "phone"),
        ("Card: 4111 1111 1111 1111, exp 12/29", "payment_card"),
        ("SSN 123-45-6789 on file", "national_id"),
        ("NI number JG 10 37 59 A", "national_id"),
        ("The server at 192.168.10.24 is down.", "ip_address"),
        ("Use the key sk-ant-api03-abcdefghijklmnopqrstuvwx please", "secret"),
        ("AWS key AKIAIOSFODNN7EXAMPLE leaked", "secret"),
        ("config: api_key = 'Zx81kq0Pf93LmQ2a'", "secret"),
    ],
)
def test_each_detector_fires_on_its_kind(text, detector):
    assert find_pii(text, ALL)[0] == detector


@pytest.mark.parametrize(
    "text",
    [
        "Maria has 3 apples and buys 4 more. How many apples does Maria have now?",
        "Version 1.2.3.4000 was released in 2024-05-01.",
        "Order 4111 1111 1111 1112 was shipped.",  # fails the Luhn check
        "What day of the week is March 05, 2025?",
        "The password must be at least 8 characters.",
        "Multiply 1234 by 5678.",
    ],
)
def test_ordinary_text_passes(text):
    assert find_pii(text, ALL) is None


def test_luhn_and_redaction():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert find_pii("mail bob@corp.io", ["email"]) == ("email", "xxx@xxxx.xx")
