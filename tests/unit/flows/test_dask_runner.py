"""The Dask runner sends Prefect's settings to workers as their models, which load without being validated again."""

import pickle

import cloudpickle
from prefect.context import SettingsContext
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings, temporary_settings

from flows.dask_runner import SettingsAsModels


def hydrated(serialized: dict) -> SettingsContext:
    """What a worker's `hydrated_context` builds from what it was sent."""
    return SettingsContext(**pickle.loads(cloudpickle.dumps(serialized)))


def test_the_settings_go_out_as_the_contexts_own_models():
    current = SettingsContext.get()
    sent = SettingsAsModels.of(current).serialize()
    assert sent["settings"] is current.settings
    assert sent["profile"] is current.profile


def test_a_worker_gets_the_same_settings_without_validating_them_again(monkeypatch):
    current = SettingsContext.get()
    sent = SettingsAsModels.of(current).serialize()
    monkeypatch.setattr(Settings, "__init__", lambda *a, **kw: (_ for _ in ()).throw(AssertionError("validated")))
    loaded = hydrated(sent)
    assert loaded.settings == current.settings
    assert loaded.profile == current.profile


def test_prefects_own_form_is_validated_again_on_the_worker(monkeypatch):
    """The cost SettingsAsModels avoids: Prefect's dict becomes a new Settings model on every task run."""
    validated = []
    init = Settings.__init__
    monkeypatch.setattr(Settings, "__init__", lambda self, **kw: validated.append(1) or init(self, **kw))
    hydrated(SettingsContext.get().serialize())
    assert validated


def test_a_setting_changed_in_the_flow_goes_out_with_the_task_runs_submitted_under_it():
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 7}):
        during = hydrated(SettingsAsModels.of(SettingsContext.get()).serialize())
    after = hydrated(SettingsAsModels.of(SettingsContext.get()).serialize())
    assert during.settings.client.max_retries == 7
    assert after.settings.client.max_retries != 7


def test_entered_it_is_the_current_settings_context_and_leaves_it_as_it_was():
    outer = SettingsContext.get()
    with SettingsAsModels.of(outer) as entered:
        assert SettingsContext.get() is entered
        assert entered.settings is outer.settings
    assert SettingsContext.get() is outer


def test_without_secrets_it_is_prefects_serialized_form():
    plain = SettingsAsModels.of(SettingsContext.get()).serialize(include_secrets=False)
    assert isinstance(plain["settings"], dict)
    assert plain == SettingsContext.get().serialize(include_secrets=False)
