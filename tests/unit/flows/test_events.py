"""A failed build's event names the dataset its published versions name, not the spec file's stem."""

from flows.events import failed_build_spec


def test_a_failed_build_is_named_after_the_specs_dataset(tmp_path):
    spec = tmp_path / "demo.yaml"
    spec.write_text("dataset: instruct-demo\npurpose: x\n")
    assert failed_build_spec({"spec_path": str(spec)}) == (str(spec), "instruct-demo")


def test_an_override_of_the_dataset_wins():
    parameters = {"spec_path": "missing.yaml", "overrides": {"dataset": "other"}}
    assert failed_build_spec(parameters) == ("missing.yaml", "other")


def test_an_unreadable_spec_falls_back_to_the_file_stem(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("dataset: [unclosed\n")
    assert failed_build_spec({"spec_path": str(broken)})[1] == "broken"
    assert failed_build_spec({"spec_path": str(tmp_path / "gone.yaml")})[1] == "gone"
    assert failed_build_spec({}) == ("", "unknown")


def test_the_nightly_form_names_a_spec_in_deployments_specs(monkeypatch, tmp_path):
    (tmp_path / "deployments" / "specs").mkdir(parents=True)
    (tmp_path / "deployments" / "specs" / "demo.yaml").write_text("dataset: instruct-demo\n")
    monkeypatch.chdir(tmp_path)
    assert failed_build_spec({"spec": "demo"}) == ("deployments/specs/demo.yaml", "instruct-demo")
