"""read_table names the file, and for JSON Lines the line, of a malformed input; iter_blocks reads across shards."""

import os

import pandas as pd
import pytest

from tasks.tables import TableError, iter_blocks, read_table, require_text


def test_broken_jsonl_line_is_named_by_its_number(tmp_path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two\n{"id": "c", "text": "three"}\n')
    with pytest.raises(TableError, match=r"eval\.jsonl: cannot be read as jsonl: line 2: "):
        read_table(path)


def test_jsonl_line_that_is_not_an_object_is_named(tmp_path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n\n[1, 2]\n')
    with pytest.raises(TableError, match=r"line 3: not a JSON object"):
        read_table(path)


@pytest.mark.parametrize("name", ["seeds.jsonl", "seeds.csv"])
def test_a_line_that_is_not_utf8_is_named_by_its_number(tmp_path, name) -> None:
    path = tmp_path / name
    header = b"id,text\n" if name.endswith(".csv") else b""
    row = (
        (lambda i, text: b'{"id": "%d", "text": "%s"}\n' % (i, text))
        if name.endswith(".jsonl")
        else (lambda i, text: b"%d,%s\n" % (i, text))
    )
    path.write_bytes(header + row(1, b"fine") + row(2, "caf\u00e9".encode("latin-1")) + row(3, b"fine"))
    line = 3 if header else 2
    with pytest.raises(TableError, match=rf"{name}: cannot be read as \w+: line {line}: not UTF-8 \(byte 0xe9 at"):
        read_table(path)


def test_a_csv_that_fails_for_another_reason_keeps_that_reason_though_a_later_line_is_not_utf8(tmp_path) -> None:
    path = tmp_path / "seeds.csv"
    path.write_bytes(b"id,text\n1,a\n2,b,c,d\n" + b"3,x\n" * 5000 + "4,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(TableError, match=r"seeds.csv: cannot be read as csv: Error tokenizing data.*line 3, saw 4"):
        read_table(path)


def test_good_jsonl_reads(tmp_path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n')
    assert read_table(path)["text"].tolist() == ["one", "two"]


def test_blank_texts_are_named_by_row(tmp_path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "b", "question": "two"}\n{"id": "c", "text": "  "}\n')
    frame = read_table(path)
    with pytest.raises(TableError, match=r"eval\.jsonl: row 2, 3: no text in column 'text'"):
        require_text(frame, "text", path)
    require_text(frame.iloc[:1], "text", path)


def test_a_pipe_or_device_is_refused_not_read_forever(tmp_path) -> None:
    pipe = tmp_path / "seeds.jsonl"
    os.mkfifo(pipe)  # nobody writes to it: reading it would wait forever
    endless = tmp_path / "rows.jsonl"
    endless.symlink_to("/dev/zero")
    for path in (pipe, endless):
        with pytest.raises(TableError, match="not a file but a pipe, device or socket"):
            read_table(path)


def test_blocks_read_across_shards_in_order_at_the_size_asked(tmp_path) -> None:
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(23)], "n": range(23)})
    for part, start in enumerate(range(0, 23, 5)):
        frame.iloc[start : start + 5].to_parquet(tmp_path / f"{part:05d}.parquet", index=False)
    blocks = list(iter_blocks(tmp_path, 7))
    assert [len(b) for b in blocks] == [7, 7, 7, 2]
    assert pd.concat(blocks, ignore_index=True).equals(frame)
    assert [len(b) for b in iter_blocks(tmp_path, 100)] == [23]
    assert [len(b) for b in iter_blocks(tmp_path / "00000.parquet", 2)] == [2, 2, 1]


@pytest.mark.parametrize("name", ["seeds", "seeds.jsonl"])
def test_a_folder_given_for_a_file_is_named_as_one(tmp_path, name) -> None:
    (tmp_path / name).mkdir()
    with pytest.raises(TableError, match=f"{name}: a folder, not a file"):
        read_table(tmp_path / name)
