"""Rows the privacy gate let through (a blend's rows over the cap) are redacted of what the gate did not clear."""

import pandas as pd
import pytest

from schemas import records as col
from schemas.record_builtins import CONVERSATION, INSTRUCTION
from schemas.spec_gates import Privacy
from tasks.privacy.guard import gate_clearance, redact_rows, written_redacted
from tasks.quarantine import to_quarantine
from tasks.stage_result import write_stage
from tasks.tables import read_parquet
from tasks.verify.row_checks import find_personal_data

ALL = Privacy().detectors
KEY = "sk-ant-api03-" + "q" * 24


def rows(**columns: str) -> pd.DataFrame:
    base = {col.ID: "syn-1", col.SOURCE: "synthetic", col.CATEGORY: "arithmetic"}
    base |= {col.INSTRUCTION: "", col.INPUT: "", col.OUTPUT: ""}
    return pd.DataFrame([{**base, **columns}])


def test_the_gate_clears_the_record_text_for_its_detectors():
    cleared = gate_clearance(Privacy(), INSTRUCTION)
    assert cleared.columns == (col.INSTRUCTION, col.INPUT, col.OUTPUT)
    assert set(cleared.detectors) == set(ALL)
    assert "phone" not in gate_clearance(Privacy(phone_regions=["DE"]), INSTRUCTION).detectors
    assert gate_clearance(Privacy(detectors=["email"]), INSTRUCTION).detectors == ("email",)
    assert gate_clearance(Privacy(detectors=[]), INSTRUCTION).detectors == ()


def test_this_machines_secret_values_are_looked_for_again(monkeypatch):
    """The gate may have run on a worker where other secret values were set; secrets by their shape it cleared."""
    monkeypatch.setenv("BILLING_API_KEY", "hunter2-but-longer")
    frame = rows(instruction="Use hunter2-but-longer here", output=f"and {KEY}")
    cleared = redact_rows(frame, cleared=gate_clearance(Privacy(), INSTRUCTION))
    assert cleared.at[0, col.INSTRUCTION].startswith("Use [REDACTED:env_secret:")
    assert cleared.at[0, col.OUTPUT] == f"and {KEY}"  # a shape the gate finds: such a row never passes it
    assert KEY not in redact_rows(frame).at[0, col.OUTPUT]


def test_what_the_gate_did_not_clear_is_still_redacted():
    frame = rows(instruction=f"Use {KEY} to sign in.", output="Call 020 7946 0018 today.", category="ops@corp.com")
    only_email = redact_rows(frame, cleared=gate_clearance(Privacy(detectors=["email"]), INSTRUCTION))
    assert KEY not in only_email.at[0, col.INSTRUCTION]  # secrets: never cleared
    assert "7946" not in only_email.at[0, col.OUTPUT]  # phones: the gate did not look for them
    assert "[REDACTED:email:" in only_email.at[0, col.CATEGORY]  # not a column the gate reads
    assert only_email.at[0, col.ID] == "syn-1" and frame.at[0, col.OUTPUT] == "Call 020 7946 0018 today."


def test_a_chats_turns_are_redacted_of_what_the_gate_did_not_clear():
    turns = [{"role": "user", "content": f"my key is {KEY}, mail me at ann@corp.com"}]
    frame = pd.DataFrame([{col.ID: "syn-1", "messages": turns}])
    cleared = redact_rows(frame, cleared=gate_clearance(Privacy(detectors=["email"]), CONVERSATION))
    content = cleared.at[0, "messages"][0]["content"]
    assert KEY not in content and "ann@corp.com" in content  # the gate's email finder had its turn
    assert "ann@corp.com" not in redact_rows(frame).at[0, "messages"][0]["content"]


# Rows whose personal data sits at the edges of their columns, where reading the record as one text (as the gate
# does) joins it to the next column's text; each with the gate's verdict.
EDGES = [
    ({"instruction": "Pay with card 4111 1111 1111 1111", "output": "2 apples"}, "pii_payment_card"),
    ({"instruction": "Reach me on", "output": "020 7946 0018"}, "pii_phone"),
    ({"instruction": "Mail john dot doe at", "output": "gmail dot com"}, "pii_email"),
    ({"instruction": "Write to ann@corp.com", "input": "(555) 010-4477", "output": "192.168.1.20"}, "pii_email"),
    ({"instruction": "IBAN GB82 WEST 1234 5698 7654 32", "output": "GB82WEST12345698765432"}, "pii_bank_account"),
    ({"instruction": "routing", "output": "021000021"}, "pii_bank_account"),
    ({"instruction": "What is 1906576 / 4696?", "output": "1906576 / 4696 = <<1906576/4696=406>>406"}, None),
    ({"instruction": "SSN", "output": "078-05-1120"}, None),  # never issued: not a valid SSN
    ({"instruction": "Count 1 2 3 4 5 6 7 8 9 10", "output": "10"}, None),
    ({"instruction": "Call it 3 times", "input": "14", "output": "3 x 14 = 42"}, None),
]


@pytest.mark.parametrize(("row", "verdict"), EDGES)
def test_a_row_the_gate_lets_through_holds_nothing_a_full_redaction_would_change(row, verdict):
    """Clearance is safe only if this holds: a row the gate (every detector, the record read as one text) passes
    has no finding in any of its columns read alone."""
    frame = rows(**row)
    found = find_personal_data(INSTRUCTION.all_text(frame.iloc[0].to_dict()), ALL, ["US", "GB"])
    assert (found and found.reason) == verdict
    if found is None:
        redacted = redact_rows(frame)
        columns = INSTRUCTION.of_type("text")
        assert redacted[columns].to_dict("records") == frame[columns].to_dict("records")


def test_a_stage_writes_rows_over_the_cap_redacted_of_what_the_gate_did_not_clear(tmp_path):
    over = to_quarantine(rows(instruction=f"Sign with {KEY}", output="Call 020 7946 0018"), "blend", "blend_share_cap")
    cleared = gate_clearance(Privacy(detectors=["email"]), INSTRUCTION)
    written = write_stage(str(tmp_path), "blend", {}, over, 1, part=0, record=INSTRUCTION, cleared=cleared)
    row = read_parquet(written.quarantine).iloc[0]
    assert KEY not in row[col.INSTRUCTION] and "7946" not in row[col.OUTPUT]
    assert written_redacted(written.quarantine)  # the merge copies it as it is
