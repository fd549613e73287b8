"""The Dask runner serializes Prefect's settings once per settings context, not once per task run submitted."""

from prefect.context import SettingsContext
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from flows.dask_runner import FreshKeyDaskTaskRunner, SerializedSettings


def test_the_settings_are_serialized_once_per_context(monkeypatch):
    calls = []
    serialize = SettingsContext.serialize
    monkeypatch.setattr(SettingsContext, "serialize", lambda self, **kw: calls.append(1) or serialize(self, **kw))
    runner = FreshKeyDaskTaskRunner(address="tcp://127.0.0.1:1")
    first, second = runner.serialized_settings(), runner.serialized_settings()
    assert first.serialize() is second.serialize()
    assert first.serialize() == serialize(SettingsContext.get())
    assert len(calls) == 1


def test_a_new_settings_context_is_serialized_again():
    runner = FreshKeyDaskTaskRunner(address="tcp://127.0.0.1:1")
    before = runner.serialized_settings().serialize()
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 7}):
        during = runner.serialized_settings().serialize()
    after = runner.serialized_settings().serialize()
    assert during["settings"]["client"]["max_retries"] == 7
    assert before["settings"].get("client", {}).get("max_retries") != 7
    assert after == before


def test_entered_it_is_the_current_settings_context_and_leaves_it_as_it_was():
    outer = SettingsContext.get()
    with FreshKeyDaskTaskRunner(address="tcp://127.0.0.1:1").serialized_settings() as entered:
        assert SettingsContext.get() is entered
        assert isinstance(entered, SerializedSettings)
        assert entered.settings is outer.settings
    assert SettingsContext.get() is outer


def test_without_secrets_it_serializes_afresh():
    entered = SerializedSettings.of(SettingsContext.get(), {"stale": True})
    assert entered.serialize() == {"stale": True}
    assert "settings" in entered.serialize(include_secrets=False)
