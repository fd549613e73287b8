"""The user-supplied evaluation: a command that receives the version's folder and the test set and writes metrics
as JSON (the contract is in docs/evaluation.md)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

from tasks.evaluate.bootstrap import Comparison, compare_item_scores

PLACEHOLDERS = ("{version}", "{test_set}", "{metrics}")
# A reported score may be its per-item mean rounded to two decimals, and a mean half way between two (1/8 of 8
# items) rounds to a float a hair more than 0.005 away: round(0.125, 2) is 0.12, 0.005000000000000004 from it.
MEAN_ROUNDING = 0.005 + 1e-9


class CommandFailed(RuntimeError):
    """The command did not run to completion or broke the contract: nothing it said can promote the version."""


def command_argv(argv: list[str], version: Path, test_set: Path, metrics: Path) -> list[str]:
    """argv with {version}, {test_set} and {metrics} replaced by paths (no shell: each stays one argument)."""
    values = {"{version}": str(version), "{test_set}": str(test_set), "{metrics}": str(metrics)}
    out = []
    for arg in argv:
        for placeholder, value in values.items():
            arg = arg.replace(placeholder, value)
        out.append(arg)
    return out


def run_command(argv: list[str], version: Path, test_set: Path, timeout: float) -> tuple[dict, float]:
    """The metrics JSON the command wrote to {metrics} (or printed last on stdout), and the seconds it took."""
    with tempfile.TemporaryDirectory(prefix="synthfactory-eval-") as folder:
        metrics = Path(folder) / "metrics.json"
        env = {
            **os.environ,
            "SYNTHFACTORY_VERSION": str(version),
            "SYNTHFACTORY_TEST_SET": str(test_set),
            "SYNTHFACTORY_METRICS": str(metrics),
        }
        started = time.monotonic()
        try:
            done = subprocess.run(
                command_argv(argv, version, test_set, metrics),
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CommandFailed(f"timed out after {timeout:g} s") from None
        except OSError as error:
            raise CommandFailed(f"could not start {argv[0]!r}: {error.strerror or error}") from None
        seconds = time.monotonic() - started
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise CommandFailed(f"exited {done.returncode}: {' / '.join(tail) or 'no output'}")
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        text = metrics.read_text() if metrics.exists() else (lines[-1] if lines else "")
    try:
        return json.loads(text), seconds
    except json.JSONDecodeError:
        raise CommandFailed("wrote no metrics JSON (to {metrics}, or as the last line of stdout)") from None


def compare_reported(metrics: dict, items: int, samples: int, confidence: float, seed: int) -> tuple[str, Comparison]:
    """The command's metric name and its blend-against-real-only comparison, from the contract's fields."""
    try:
        name = str(metrics["metric"])
        sign = 1.0 if metrics.get("higher_is_better", True) else -1.0
        baseline_score, blend_score = float(metrics["real_only"]), float(metrics["blend"])
        per_item = metrics.get("per_item")
        if per_item is not None:
            baseline, blend = per_item["real_only"], per_item["blend"]
            if len(baseline) != items or len(blend) != items:
                raise CommandFailed(f"per_item has {len(baseline)} and {len(blend)} scores for {items} test items")
            found = compare_item_scores(
                [sign * v for v in baseline], [sign * v for v in blend], samples, confidence, seed
            )
            for arm, reported, mean in (
                ("real_only", baseline_score, found.baseline),
                ("blend", blend_score, found.blend),
            ):
                if not math.isclose(reported, sign * mean, rel_tol=1e-3, abs_tol=MEAN_ROUNDING):
                    raise CommandFailed(
                        f"{arm} is {reported:g} but the mean of per_item.{arm} is {sign * mean:g}: per_item must "
                        f"hold the scores whose mean is the metric"
                    )
            return name, Comparison(
                sign * found.baseline, sign * found.blend, found.difference, found.ci, confidence, samples
            )
        difference = sign * (blend_score - baseline_score)
        ci = metrics.get("difference_ci")
        interval = reported_interval(ci, sign, difference) if ci is not None else (difference, difference)
        return name, Comparison(baseline_score, blend_score, difference, interval, confidence if ci else 0.0, 0)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise CommandFailed(f"metrics JSON breaks the contract ({type(error).__name__}: {error})") from None


def reported_interval(ci: list, sign: float, difference: float) -> tuple[float, float]:
    """difference_ci (of blend - real_only, in the metric's units) turned around with the difference when lower
    is better; CommandFailed when it does not contain the difference, as a sign that it was turned already."""
    low, high = sorted((sign * float(ci[0]), sign * float(ci[1])))
    if not low - 1e-9 <= difference <= high + 1e-9:
        raise CommandFailed(
            f"difference_ci {list(ci)} does not contain blend - real_only "
            f"({sign * difference:+.3f}); report the interval of blend - real_only in the metric's own units"
        )
    return low, high
