"""requirements.lock is what `make lock` makes of pyproject.toml's pins, and the running venv is the lock."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DIRECT = [
    Requirement(r) for r in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
]


def locked() -> dict[str, Version]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    pins = dict(
        re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line).groups() for line in lines if line and not line.startswith("#")
    )
    return {canonicalize_name(name): Version(v) for name, v in pins.items()}


def test_the_lock_holds_every_direct_dependency_within_its_pin():
    lock = locked()
    outside = {
        str(r): str(lock.get(canonicalize_name(r.name)))
        for r in DIRECT
        if lock.get(canonicalize_name(r.name)) not in r.specifier
    }
    assert not outside, f"requirements.lock disagrees with pyproject.toml (run `make lock`): {outside}"


def test_the_cpu_torch_override_follows_the_torch_pin():
    [override] = [Requirement(r) for r in PYPROJECT["tool"]["uv"]["override-dependencies"]]
    [pin] = [r for r in DIRECT if r.name == "torch"]
    assert Version(next(iter(override.specifier)).version).public == next(iter(pin.specifier)).version


def test_the_installed_direct_dependencies_are_the_locked_ones():
    # SQLAlchemy 2.1 installed under Prefect 3.8.8 breaks its scheduler (tests/e2e/test_schedule.py): a venv
    # that drifted from the lock fails here in a second rather than there in minutes.
    lock = locked()
    drifted = {
        r.name: version(r.name)
        for r in DIRECT
        if Version(version(r.name)).public != lock[canonicalize_name(r.name)].public
    }
    assert not drifted, f"installed versions differ from requirements.lock (make install): {drifted}"
