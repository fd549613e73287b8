import json

import pandas as pd
import pytest

from schemas import records as col
from tasks import publish
from tasks.blend import REASON, blend_rows, synthetic_cap
from tasks.publish import DATA_FILE, publish_version
from tasks.quarantine import empty_quarantine


def rows(prefix, n, source):
    frame = pd.DataFrame({col.ID: [f"{prefix}{i}" for i in range(n)], col.INSTRUCTION: "task", col.OUTPUT: "ok", col.SOURCE: source})
    for name in col.ROW_SCHEMA.names:
        frame[name] = frame.get(name)
    return frame[col.ROW_SCHEMA.names]


def test_synthetic_cap_keeps_the_share_at_or_below_the_maximum():
    assert synthetic_cap(175, 0.6) == 262
    assert synthetic_cap(10, 0.5) == 10
    assert synthetic_cap(10, 1.0) is None


def test_blend_caps_synthetic_rows_and_quarantines_the_rest():
    blended, over = blend_rows(rows("r", 4, "real"), rows("s", 10, "synthetic"), 0.5, seed=1)
    assert (blended[col.SOURCE] == "synthetic").sum() == 4 and len(blended) == 8
    assert len(over) == 6 and set(over[col.REASON]) == {REASON}
    assert set(blended[col.ID]) | set(over[col.ID]) == {f"r{i}" for i in range(4)} | {f"s{i}" for i in range(10)}
    again, _ = blend_rows(rows("r", 4, "real"), rows("s", 10, "synthetic"), 0.5, seed=1)
    assert blended[col.ID].tolist() == again[col.ID].tolist()


def test_publish_writes_a_whole_version_and_points_latest_at_it(tmp_path):
    version = publish_version(tmp_path / "ds", rows("r", 3, "real"), empty_quarantine(), {"dataset": "ds"}, "dataset: ds\n")
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["version"] == version.name and DATA_FILE in manifest["outputs"]
    assert (tmp_path / "ds" / "LATEST").read_text().strip() == version.name
    assert len(pd.read_parquet(version / DATA_FILE)) == 3


def test_a_failed_publish_leaves_nothing_behind(tmp_path, monkeypatch):
    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(publish, "_fsync_tree", crash)
    with pytest.raises(OSError):
        publish_version(tmp_path / "ds", rows("r", 3, "real"), empty_quarantine(), {}, "")
    assert list((tmp_path / "ds").iterdir()) == []
