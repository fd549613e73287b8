"""Rows that carry personal data and the build's own API key, written by a fake Anthropic endpoint, through a
real build: no raw value may reach any file under the data root (Parquet read as text, SQLite caches, Data
Docs), unless the spec opts in to raw quarantine text, which then lives only under .private/."""

import json
import re
import secrets
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from flows.build import build_dataset
from schemas.spec import SpecError
from tasks.privacy.guard import PrivacyError
from tests.helpers.fake_anthropic import FakeAnthropic
from tests.helpers.spec_factory import write_spec

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
API_KEY = "sk-ant-api03-" + secrets.token_urlsafe(30)
# topic -> (column, raw value): values in `input` are long enough to fail a GX length gate (Data Docs), the
# others reach the privacy gate.
PLANTED = {
    "obfuscated": ("output", "john dot doe at gmail dot com"),
    "berlin": ("output", "+49 30 901820"),
    "paris": ("input", "+33 1 42 68 53 00"),
    "london": ("output", "07911 123456"),
    "iban": ("input", "DE89 3704 0044 0532 0130 00"),
    "aws": ("output", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "jwt": ("input", JWT),
    "card": ("output", "4111.1111.1111.1111"),
    "ssn": ("input", "123 45 6789"),
    "apikey": ("output", API_KEY),
}
CLEAN = ["tides", "volcanoes", "glaciers", "jazz"]

pytestmark = pytest.mark.usefixtures("prefect_api")


class LeakyAnthropic(FakeAnthropic):
    """Writes each planted value into the row of its topic, as a compromised or careless model would."""

    served: set

    def message(self, body, mode):
        topic = body["messages"][0]["content"].split("topic=")[1].split()[0]
        self.served = getattr(self, "served", set()) | {topic}
        record = {
            "instruction": f"Explain {topic} to a new colleague in two sentences.",
            "output": f"{topic} is important.",
        }
        if topic in PLANTED:
            column, value = PLANTED[topic]
            text = (
                f"My AWS secret access key is {value}"
                if topic == "aws"
                else f"Reach the author at {value} for details on {topic}."
            )
            record[column] = text
        content = [{"type": "tool_use", "id": "toolu_1", "name": body["tool_choice"]["name"], "input": record}]
        return self.envelope(body, content, "tool_use")


def _spec(folder: Path, **overrides) -> Path:
    generator = {
        "backend": "anthropic",
        "rows": 48,
        "seed": 3,
        "model": "claude-test-model",
        "prompt_id": "explain_topic",
        "category": "explanation",
        "system_prompt": "You write training data.",
        "prompt": "topic={{ topic }} mode=ok",
        "samplers": {"topic": {"type": "category", "values": {t: 1 for t in [*PLANTED, *CLEAN]}}},
        "concurrency": 4,
        "prices": {"input": 3.0, "output": 15.0},
    }
    length_gate = {
        "type": "expect_column_value_lengths_to_be_between",
        "kwargs": {"column": "input", "max_value": 30},
        "meta": {"reason": "gx_input_length"},
    }
    return write_spec(
        folder,
        generator=generator,
        gates={"expectations": [length_gate]},
        **{"blend.max_synthetic_share": 0.9},
        **overrides,
    )


def _build(tmp_path, monkeypatch, **overrides):
    spec = _spec(tmp_path, **overrides)
    with LeakyAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = build_dataset(str(spec), str(tmp_path / "out"))
    assert fake.served >= set(PLANTED), f"the sampler never asked for {set(PLANTED) - fake.served}"
    return result


def _texts_of(path: Path) -> str:
    """A file as a person or a program could read it: its bytes, and for Parquet every value as text."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".parquet":
        text += "\n" + pq.read_table(path).to_pandas().to_json(orient="records", force_ascii=False)
    return text


def _files_holding(root: Path, value: str) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and value in _texts_of(p))


def test_no_planted_value_reaches_any_file_under_the_data_root(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch)
    root, version = tmp_path / "out", Path(result["path"])
    reasons = result["counts"]["quarantined"]["by_reason"]
    assert reasons["gx_input_length"] >= 1 and {"pii_email", "pii_phone", "pii_payment_card", "pii_secret"} <= set(
        reasons
    )
    leaks = {topic: _files_holding(root, value) for topic, (_, value) in PLANTED.items()}
    assert leaks == {topic: [] for topic in PLANTED}
    # The quarantine still says what was there, by kind and hash, and the Data Docs name failing rows by id only.
    quarantine = pd.read_parquet(version / "quarantine")
    assert quarantine["output"].str.contains(r"\[REDACTED:phone:[0-9a-f]{12}\]").any()
    assert quarantine["input"].str.contains(r"\[REDACTED:iban:[0-9a-f]{12}\]").any()
    assert quarantine["detail"].str.contains(r"found \d+: ").any()
    docs = "".join(p.read_text(errors="replace") for p in (version / "data_docs").rglob("*.html"))
    assert "less than or equal to 30 characters long" in re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", docs)
    )  # the failing gate is rendered, its rows' values are not
    assert not any(value in docs for _, value in PLANTED.values())
    manifest = json.loads((version / "manifest.json").read_text())
    assert (
        manifest["privacy"]["real_rows"]["rows_with_findings"] == 0 and manifest["privacy"]["pii_in_real"] == "report"
    )


def test_raw_quarantine_text_is_kept_only_outside_the_published_version(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch, publish={"quarantine_raw_text": True})
    root, version = tmp_path / "out", Path(result["path"])
    private = root / ".private" / "tiny" / version.name / "quarantine-raw.parquet"
    raw = pd.read_parquet(private)
    assert len(raw) == result["counts"]["quarantined"]["total"]
    for topic, (_, value) in PLANTED.items():
        assert _files_holding(root, value) == [str(private.relative_to(root))], topic
    assert "kept unpublished in" in json.loads((version / "manifest.json").read_text())["quarantine_raw_text"]
    # Its owner's only: it was 0644, readable by every user of the machine, raw emails and all.
    assert [oct(p.stat().st_mode & 0o777) for p in (private.parent.parent, private.parent, private)] == [
        "0o700",
        "0o700",
        "0o600",
    ]


def _seed_file(folder: Path, extra: dict) -> None:
    rows = [
        {"id": f"s{i}", "instruction": f"Real task number {i} here", "input": "", "output": "ok"} for i in range(4)
    ] + [extra]
    (folder / "seeds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_secret_in_a_real_row_fails_the_build_before_it_runs_naming_the_row_not_the_secret(tmp_path, monkeypatch):
    # before any row is generated: the generator's prompts hold seed rows (the publish guard came after every stage)
    spec = write_spec(tmp_path, **{"blend.max_synthetic_share": 0.9})
    leaked = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"
    _seed_file(
        tmp_path,
        {"id": "s-leak", "instruction": "Summarise the deploy notes", "input": f"token {leaked}", "output": "done"},
    )
    with pytest.raises(SpecError) as error:
        build_dataset(str(spec), str(tmp_path / "out"))
    message = str(error.value)
    assert "'s-leak'" in message and "github_token" in message and leaked not in message
    assert not (tmp_path / "out" / "tiny").exists()  # nothing was run, so nothing written


def test_personal_data_in_real_rows_is_reported_or_refused(tmp_path, monkeypatch):
    spec = write_spec(tmp_path, **{"blend.max_synthetic_share": 0.9})
    _seed_file(
        tmp_path,
        {
            "id": "s-pii",
            "instruction": "Email the landlord",
            "input": "at jane dot roe at example dot org",
            "output": "ok",
        },
    )
    result = build_dataset(str(spec), str(tmp_path / "out"))
    privacy = json.loads((Path(result["path"]) / "manifest.json").read_text())["privacy"]
    assert privacy["real_rows"]["rows_with_findings"] == 1 and privacy["real_rows"]["by_kind"] == {"email": 1}
    assert "1 of 5 hold findings (by kind: email 1" in (Path(result["path"]) / "README.md").read_text()

    refusing = write_spec(tmp_path, **{"blend.max_synthetic_share": 0.9, "gates": {"pii_in_real": "refuse"}})
    _seed_file(
        tmp_path,
        {
            "id": "s-pii",
            "instruction": "Email the landlord",
            "input": "at jane dot roe at example dot org",
            "output": "ok",
        },
    )
    with pytest.raises(PrivacyError, match=r"row 's-pii', email"):
        build_dataset(str(refusing), str(tmp_path / "out2"))
