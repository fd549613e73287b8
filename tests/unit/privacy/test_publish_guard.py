"""The last guard before a version is written: no secret in a published row, named by row and kind, never shown."""

import pandas as pd
import pytest

from tasks.privacy.guard import PrivacyError, check_rows_hold_no_secret, first_secret_in_rows

TOKEN = "ghp_" + "a1B2c3D4e5" * 3 + "f6G7h8"


def test_a_published_row_holding_a_secret_is_refused_by_row_and_kind_not_value():
    rows = pd.DataFrame({"id": ["r1", "r2"], "instruction": ["Summarise", "Deploy"], "input": ["", f"token {TOKEN}"]})
    with pytest.raises(PrivacyError) as error:
        check_rows_hold_no_secret(rows)
    assert (
        str(error.value) == "published row 'r2' holds a secret (github_token) in column 'input'; nothing was published"
    )
    assert TOKEN not in str(error.value)


def test_rows_without_a_secret_pass_and_non_text_columns_are_not_read():
    rows = pd.DataFrame({"id": ["r1"], "instruction": ["Add 2 and 3"], "judge_score": [0.9]})
    assert first_secret_in_rows(rows) is None
    check_rows_hold_no_secret(rows)
