"""Running the command line on bad input, and checking the contract: exit 2, one plain line, nothing written."""

from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app


def tree(root: Path) -> list[tuple[str, int]] | None:
    """Every path under root with its size (None when root does not exist): a snapshot to compare."""
    if not root.exists():
        return None
    if root.is_file():
        return [(".", root.stat().st_size)]
    return sorted((str(p.relative_to(root)), p.stat().st_size if p.is_file() else -1) for p in root.rglob("*"))


def refused_build(spec: Path, data_root: Path) -> str:
    """Run `synthfactory build`; assert it exits 2 with one line on stderr, no traceback, and data_root
    unchanged; return the line."""
    before = tree(data_root)
    result = CliRunner().invoke(app, ["build", str(spec), "--data-root", str(data_root)])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert result.stdout == ""
    assert tree(data_root) == before
    return lines[0]
