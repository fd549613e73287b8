"""Where a build publishes when the run names no data_root: the spec's choice, else the worker's volume."""

from schemas.spec import load_spec
from tests.helpers.spec_factory import write_spec


def test_a_spec_without_a_data_root_publishes_to_the_workers_volume(tmp_path, monkeypatch):
    spec = load_spec(write_spec(tmp_path))
    monkeypatch.delenv("SYNTHFACTORY_DATA_ROOT", raising=False)
    assert spec.publish.default_root() == "data"
    monkeypatch.setenv("SYNTHFACTORY_DATA_ROOT", "/data/datasets")
    assert spec.publish.default_root() == "/data/datasets"


def test_a_spec_that_names_its_data_root_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHFACTORY_DATA_ROOT", "/data/datasets")
    assert (
        load_spec(write_spec(tmp_path, publish={"data_root": "s3://team/datasets"})).publish.default_root()
        == "s3://team/datasets"
    )
    assert load_spec(write_spec(tmp_path), {"publish.data_root": "elsewhere"}).publish.default_root() == "elsewhere"
