"""print_quarantine shows redaction markers exactly as the quarantine file holds them."""

import io

import pandas as pd
from rich.console import Console

from flows.report import print_build_report, print_quarantine

MARKER = "[REDACTED:email:e873dea4d72f]"


def quarantined() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": "syn-1",
                "stage": "verify",
                "reason": "pii_email",
                "instruction": f"Write a reply to James ({MARKER}).",
                "detail": f"found 1: email {MARKER}",
                "score": None,
                "duplicate_of": None,
                "nearest_eval_id": None,
            }
        ]
    )


def test_redaction_marker_is_not_turned_into_an_emoji() -> None:
    out = io.StringIO()
    print_quarantine(Console(file=out, width=200), quarantined(), examples=1)
    text = out.getvalue()
    assert text.count(MARKER) == 2
    assert "\u2709" not in text


def test_no_examples_asked_shows_the_counts_alone() -> None:
    out = io.StringIO()
    print_quarantine(Console(file=out, width=200), quarantined(), examples=0)
    text = out.getvalue()
    assert "pii_email" in text and "syn-1" not in text
    assert text.count("pii_email") == 1  # the table's row, no heading without examples under it


def test_an_unchanged_rebuild_does_not_say_it_published() -> None:
    result = {
        "version": "v1",
        "path": "/data/ds/v1",
        "unchanged": True,
        "counts": {"published": {"total": 10, "real": 4, "synthetic": 6}, "quarantined": {"by_reason": {}}},
        "stages": {},
    }
    out = io.StringIO()
    print_build_report(Console(file=out, width=200), result)
    assert "unchanged: v1 already holds these 10 rows (4 real, 6 synthetic)" in out.getvalue()
    assert "published 10" not in out.getvalue()
    out = io.StringIO()
    print_build_report(Console(file=out, width=200), {**result, "unchanged": False})
    assert "published 10 rows (4 real, 6 synthetic)" in out.getvalue() and "unchanged" not in out.getvalue()


def test_the_reasons_add_up_the_stage_table_and_an_unchanged_rebuild_names_a_reason_that_moved() -> None:
    # A rebuild after a publish: dedup quarantines, as a repeat of a published row, a row the first build's
    # decontamination quarantined; the same rows, so nothing is published, but the tables say what this run did.
    stages = {
        "dedup": {"stage": "dedup", "rows_in": 9, "rows_out": {"synthetic": 6}, "quarantined": {"near_duplicate": 3}},
        "decontaminate": {
            "stage": "decontaminate",
            "rows_in": 6,
            "rows_out": {"synthetic": 5},
            "quarantined": {"eval_contamination": 1},
        },
    }
    result = {
        "version": "v1",
        "path": "/data/ds/v1",
        "unchanged": True,
        "counts": {
            "published": {"total": 5, "real": 1, "synthetic": 4},
            "quarantined": {"by_reason": {"eval_contamination": 2, "near_duplicate": 2}},
        },
        "stages": stages,
    }
    out = io.StringIO()
    print_build_report(Console(file=out, width=300), result)
    text = out.getvalue()
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in text.splitlines() if line.count("│") == 3]
    assert ["eval_contamination", "1"] in cells and ["near_duplicate", "3"] in cells, text
    assert "some for another reason than v1 records (eval_contamination 2 -> 1, near_duplicate 2 -> 3)" in text
    out = io.StringIO()
    agreeing = {
        **result,
        "counts": {**result["counts"], "quarantined": {"by_reason": {"eval_contamination": 1, "near_duplicate": 3}}},
    }
    print_build_report(Console(file=out, width=300), agreeing)
    assert "another reason" not in out.getvalue()


def test_on_a_narrow_console_a_long_note_wraps_and_the_counts_keep_their_width() -> None:
    from flows.report import RichStageListener

    out = io.StringIO()
    with RichStageListener(Console(file=out, width=80)) as progress:
        progress.started("dedup")
        progress.finished("dedup", {"rows_in": 5160, "quarantined": {"a": 1900}, "rows_out": {"synthetic": 3260}})
        progress.started("publish")
        unchanged = {"counts": {"published": {"total": 437}}, "version": "20261130T020009Z-56e9e7187d"}
        progress.finished("publish", {**unchanged, "unchanged": True})
    text = out.getvalue()
    assert "5160/5160 0:00:00 1900 quarantined" in text and "1/1" in text, text
    assert "(unchanged)" in text and "…" not in text, text


def test_the_gates_line_says_verify_counts_its_rows_again() -> None:
    # verify's counts (its line and the table) include the gates' quarantine: the lines must not seem to add up to more
    from flows.report import RichStageListener

    out = io.StringIO()
    with RichStageListener(Console(file=out, width=200)) as progress:
        progress.finished("gates", {"rows_in": 600, "quarantined": {"gx_input_length": 3}, "rows_out": {"gates": 597}})
        verify = {"rows_in": 600, "quarantined": {"gx_input_length": 3, "x": 81}, "rows_out": {"s": 516}}
        progress.finished("verify", verify)
    lines = out.getvalue().splitlines()
    assert any("3 quarantined (counted again under verify)" in line for line in lines if "gates" in line), lines
    assert any("84 quarantined, out: 516" in line for line in lines if "verify" in line), lines


def test_a_stage_left_unfinished_says_failed_or_stopped_not_running() -> None:
    from flows.report import RichStageListener

    for error, word in ((RuntimeError("gate"), "failed"), (KeyboardInterrupt(), "stopped")):
        out = io.StringIO()
        try:
            with RichStageListener(Console(file=out, width=120)) as progress:
                progress.started("generate")
                progress.finished("generate", {"rows_in": 5, "quarantined": {}, "rows_out": {"synthetic": 5}})
                progress.started("verify")
                raise error
        except BaseException as raised:
            assert raised is error
        lines = out.getvalue().splitlines()
        assert any("verify" in line and word in line for line in lines), lines
        assert any(line.startswith(word[:4]) and "verify" in line for line in lines), lines  # no frozen spinner
        assert not any("running" in line for line in lines[-2:]), lines


def test_an_unchanged_rebuild_does_not_say_it_moved_latest() -> None:
    # after a rollback, an unchanged rebuild of the newer version leaves LATEST where the person put it
    evaluation = {"promoted": True, "seconds": 0.7, "judges": {}}
    result = {
        "version": "v2",
        "path": "/data/ds/v2",
        "unchanged": True,
        "evaluation": evaluation,
        "counts": {"published": {"total": 10, "real": 4, "synthetic": 6}, "quarantined": {"by_reason": {}}},
        "stages": {},
    }
    out = io.StringIO()
    print_build_report(Console(file=out, width=200), result)
    assert "LATEST moved" not in out.getvalue()
    assert "evaluation of v2 when it was published: promoted; nothing published now, LATEST not moved" in out.getvalue()
    out = io.StringIO()
    print_build_report(Console(file=out, width=200), {**result, "unchanged": False})
    assert "evaluation (0.7 s): promoted, LATEST moved" in out.getvalue()


def test_the_version_and_data_docs_paths_are_never_broken_across_lines() -> None:
    path = "/work/a-rather-long-data-root/instruct-demo/20261129T050554Z-cdee864647"
    result = {
        "version": "20261129T050554Z-cdee864647",
        "path": path,
        "data_docs": "data_docs/index.html",
        "counts": {"published": {"total": 10, "real": 4, "synthetic": 6}, "quarantined": {"by_reason": {}}},
        "stages": {},
    }
    out = io.StringIO()
    print_build_report(Console(file=out, width=40), result)
    lines = out.getvalue().splitlines()
    assert f"version: {path}" in lines and f"data docs: {path}/data_docs/index.html" in lines
