"""The Dask runner serializes Prefect's settings once per settings context, and a worker builds them once per form:
the flow's values over the worker's own environment, as Prefect's `hydrated_context` builds them."""

import pickle

import cloudpickle
from prefect.context import SettingsContext
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings, temporary_settings

import flows.dask_runner as dask_runner
from flows.dask_runner import FreshKeyDaskTaskRunner, SerializedSettings


def runner() -> FreshKeyDaskTaskRunner:
    return FreshKeyDaskTaskRunner(address="tcp://127.0.0.1:1")


def on_a_worker(sent: dict) -> SettingsContext:
    """What a worker's `hydrated_context` enters from what it was sent."""
    return SettingsContext(**pickle.loads(cloudpickle.dumps(sent)))


def test_the_settings_are_serialized_once_per_context(monkeypatch):
    calls = []
    serialize = SettingsContext.serialize
    monkeypatch.setattr(SettingsContext, "serialize", lambda self, **kw: calls.append(1) or serialize(self, **kw))
    sending = runner()
    first, second = sending.serialized_settings(), sending.serialized_settings()
    assert first.serialize() is second.serialize()
    assert len(calls) == 1


def test_a_worker_builds_each_form_once(monkeypatch):
    monkeypatch.setattr(dask_runner, "_BUILT", {})
    built = []
    init = Settings.__init__
    monkeypatch.setattr(Settings, "__init__", lambda self, **kw: built.append(1) or init(self, **kw))
    sent = runner().serialized_settings().serialize()
    first, second = on_a_worker(sent), on_a_worker(sent)
    assert first.settings is second.settings
    assert first.settings == SettingsContext.get().settings
    assert len(built) == 1


def test_the_flows_values_go_over_the_workers_environment(monkeypatch):
    """A setting the flow did not set comes from the worker's environment (its PREFECT_API_URL, so its task runs are
    recorded where the flow's are); one the flow set wins."""
    monkeypatch.setattr(dask_runner, "_BUILT", {})
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    flows_own = Settings(client={"max_retries": 7})  # no API URL: a local build's embedded API
    with SettingsContext(profile=SettingsContext.get().profile, settings=flows_own):
        sent = runner().serialized_settings().serialize()
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")  # the worker's
    monkeypatch.setenv("PREFECT_CLIENT_MAX_RETRIES", "2")
    worker = on_a_worker(sent).settings
    assert worker.api.url == "http://127.0.0.1:4200/api"
    assert worker.client.max_retries == 7


def test_a_new_settings_context_is_serialized_again(monkeypatch):
    monkeypatch.setattr(dask_runner, "_BUILT", {})
    sending = runner()
    before = on_a_worker(sending.serialized_settings().serialize()).settings
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 7}):
        during = on_a_worker(sending.serialized_settings().serialize()).settings
    after = on_a_worker(sending.serialized_settings().serialize()).settings
    assert during.client.max_retries == 7
    assert before.client.max_retries != 7
    assert after is before


def test_entered_it_is_the_current_settings_context_and_leaves_it_as_it_was():
    outer = SettingsContext.get()
    with runner().serialized_settings() as entered:
        assert SettingsContext.get() is entered
        assert isinstance(entered, SerializedSettings)
        assert entered.settings is outer.settings
    assert SettingsContext.get() is outer


def test_without_secrets_it_serializes_afresh():
    entered = SerializedSettings.of(SettingsContext.get(), {"stale": True})
    assert entered.serialize() == {"stale": True}
    assert isinstance(entered.serialize(include_secrets=False)["settings"], dict)
