"""`push` takes the Hub token from a Prefect Secret block when the environment has none."""

import huggingface_hub.constants
import pandas as pd
import pytest
from prefect.blocks.system import Secret

from synthfactory import push
from tests.helpers.fake_hub import FakeHub

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_push_reads_the_token_from_the_prefect_secret_block(tmp_path, monkeypatch):
    version = tmp_path / "v1"
    (version / "data").mkdir(parents=True)
    pd.DataFrame({"id": ["a"]}).to_parquet(version / "data" / "train-00000-of-00001.parquet")
    (version / "README.md").write_text("# tiny\n")
    (version / "manifest.json").write_text('{"outputs": {}}')  # push checks the files it lists
    Secret(value="hf_from_the_block").save("hf-token", overwrite=True)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # the test suite sets it at start
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_XET", True)
    with FakeHub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        result = push(str(version), "hf://datasets/acme/tiny")
    assert hub.authorizations == {"Bearer hf_from_the_block"}
    assert hub.files == {name: (version / name).read_bytes() for name in result.files}
