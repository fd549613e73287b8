"""The PII detector on what people write (the cases of issue 17) and on text that only looks like it."""

import pytest

from tasks.privacy.pii import find_pii
from tasks.privacy.redact import detector_of


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("Write to maria.lopez@example.org for details.", "email", "maria.lopez@example.org"),
        ("reach me: john dot doe at gmail dot com", "email", "john dot doe at gmail dot com"),
        ("mail john[at]example[dot]com today", "email", "john[at]example[dot]com"),
        ("mail john (at) example (dot) co (dot) uk", "email", "john (at) example (dot) co (dot) uk"),
        ("Berlin office: +49 30 901820.", "phone", "+49 30 901820"),
        ("Paris: +33 1 42 68 53 00", "phone", "+33 1 42 68 53 00"),
        ("my mobile is 07911 123456", "phone", "07911 123456"),
        ("Call me on +44 20 7946 0958 tomorrow.", "phone", "+44 20 7946 0958"),
        ("My number is (415) 555-2671.", "phone", "(415) 555-2671"),
        ("415-555-2671", "phone", "415-555-2671"),
        ("415.555.2671", "phone", "415.555.2671"),
        ("+1 415 555 2671", "phone", "+1 415 555 2671"),
        ("text me at 4155552671", "phone", "4155552671"),
        ("IBAN DE89 3704 0044 0532 0130 00 for the rent", "iban", "DE89 3704 0044 0532 0130 00"),
        ("pay GB82WEST12345698765432 now", "iban", "GB82WEST12345698765432"),
        ("FR14 2004 1010 0505 0001 3M02 606", "iban", "FR14 2004 1010 0505 0001 3M02 606"),
        ("ABA routing number 021000021", "us_routing_number", "021000021"),
        ("SWIFT code DEUTDEFF", "bic", "DEUTDEFF"),
        ("card 4111.1111.1111.1111 exp 12/29", "payment_card", "4111.1111.1111.1111"),
        ("card 4111 1111 1111 1111", "payment_card", "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111", "payment_card", "4111-1111-1111-1111"),
        ("amex 3782 822463 10005", "payment_card", "3782 822463 10005"),
        ("card 5500000000000004", "payment_card", "5500000000000004"),
        ("SSN 123-45-6789 on file", "us_ssn", "123-45-6789"),
        ("ssn 123 45 6789", "us_ssn", "123 45 6789"),
        ("my SSN is 123456789", "us_ssn", "123456789"),
        ("NI number JG 10 37 59 A", "uk_nino", "JG 10 37 59 A"),
        ("The server at 192.168.10.24 is down.", "ip_address", "192.168.10.24"),
        ("ping 2001:db8:85a3::8a2e:370:7334 now", "ip_address", "2001:db8:85a3::8a2e:370:7334"),
    ],
)
def test_each_kind_is_found_with_its_span(text, kind, value):
    found = [f for f in find_pii(text) if f.kind == kind]
    assert found and found[0].value == value and text[found[0].start : found[0].end] == value


def test_every_finding_is_returned_not_just_the_first():
    text = "Mail a@b.io or c@d.io, call +49 30 901820, card 4111 1111 1111 1111, SSN 123-45-6789."
    kinds = [f.kind for f in find_pii(text)]
    assert kinds == ["email", "email", "phone", "payment_card", "us_ssn"]
    assert [f.start for f in find_pii(text)] == sorted(f.start for f in find_pii(text))


def test_only_the_named_detectors_run():
    text = "a@b.io and +49 30 901820"
    assert [f.kind for f in find_pii(text, ["phone"])] == ["phone"]
    assert find_pii(text, []) == []


def test_kinds_map_to_the_spec_detectors():
    assert {detector_of(k) for k in ("iban", "us_routing_number", "bic")} == {"bank_account"}
    assert detector_of("us_ssn") == detector_of("uk_nino") == "national_id"
    assert detector_of("jwt") == "secret"


def test_a_finding_never_prints_its_value():
    (finding,) = find_pii("SSN 123-45-6789")
    assert "6789" not in repr(finding) and "6789" not in str(finding)


@pytest.mark.parametrize(
    "text",
    [
        "Maria has 3 apples and buys 4 more. How many apples does Maria have now?",
        "Maria shares 24 marbles equally among 6 friends. 24 / 6 = <<24/6=4>>4\n#### 4",
        "1906576 / 4696 = <<1906576/4696=406>>406\n#### 406",  # a valid US number by its digits, not as grouped
        "Then 3061 - 2425 = 636 and 212 5550 123 is the code.",
        "List the numbers 1 2 3 4 5 6 7 8 9 10 in reverse.",
        "A train leaves at 14:35 and travels 120 km at 80 km/h; it has 1200 seats and 350 passengers.",
        "Multiply 1234 by 5678, then add 9012 and 3456.",
        "x = 123456789 * 987654321",
        "The 2020 census counted 331449281 people.",
        "Version 1.2.4000 was released on 2024-05-01.",
        "What day of the week is March 05, 2025?",
        "The meeting is on 12/03/2025 at 10:30.",
        "ISBN 978-3-16-148410-0",
        "ISBN 9783161484100",
        "Order 4111 1111 1111 1112 was shipped.",  # fails the Luhn check
        "Order number 2125551234 shipped on Monday.",
        "order #123456789 and invoice 2024-0001-7788",
        "The total is 12 345 678 901 234 dollars.",
        "The recipe needs 700-1000 calories and 1/2 cup of oats.",
        "Look at the dot com bubble of 2000.",
        "Meet me at noon at the station.",
        "Request id 550e8400-e29b-41d4-a716-446655440000.",
        "Phone numbers in the US have 10 digits.",
    ],
)
def test_ordinary_text_is_not_flagged(text):
    assert find_pii(text) == []


def test_code_and_times_are_not_addresses():
    assert find_pii("std::vector<int> v; Base::add(x); at 12:30:45 sharp; print(b[::2]); a[1::3]", ["ip_address"]) == []
