"""`make alerts` refuses, at once and by name, a webhook Prefect would refuse only when a build fails."""

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows import alerts


@pytest.fixture(autouse=True)
def a_server(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example.com:4200/api")


@pytest.mark.parametrize(
    "url, said",
    [
        ("http://127.0.0.1:18931/hook", "resolves to the private address 127.0.0.1: Prefect would not post there; if"),
        ("http://10.1.2.3/hook", "SYNTHFACTORY_ALERT_ALLOW_PRIVATE=1"),
        ("ftp://hooks.example.com/x", "Only HTTP and HTTPS URLs are allowed: Prefect would not post there\n"),
    ],
)
def test_a_webhook_prefect_would_refuse_is_refused_before_anything_is_created(monkeypatch, capsys, url, said):
    monkeypatch.setenv("SYNTHFACTORY_ALERT_WEBHOOK_URL", url)
    monkeypatch.delenv(alerts.ALLOW_PRIVATE, raising=False)
    monkeypatch.setattr(alerts, "ensure_failure_alert", lambda *a, **k: pytest.fail("nothing may be created"))
    assert alerts.main() == 2
    assert said in capsys.readouterr().err


def test_a_private_relay_is_allowed_when_meant(monkeypatch):
    made = {}
    monkeypatch.setenv("SYNTHFACTORY_ALERT_WEBHOOK_URL", "http://10.1.2.3/hook")
    monkeypatch.setenv(alerts.ALLOW_PRIVATE, "1")
    monkeypatch.setattr(
        alerts, "ensure_failure_alert", lambda url, allow_private_urls: made.update(url=url, allow=allow_private_urls)
    )
    assert alerts.main() == 0 and made == {"url": "http://10.1.2.3/hook", "allow": True}


def test_a_name_this_machine_cannot_resolve_is_warned_of_and_kept(monkeypatch, capsys):
    made = {}
    monkeypatch.setenv("SYNTHFACTORY_ALERT_WEBHOOK_URL", "https://hooks.example.invalid/x")  # the server may resolve it
    monkeypatch.delenv(alerts.ALLOW_PRIVATE, raising=False)
    monkeypatch.setattr(alerts, "ensure_failure_alert", lambda url, allow_private_urls: made.update(url=url))
    assert alerts.main() == 0 and made == {"url": "https://hooks.example.invalid/x"}
    assert "could not be resolved from this machine" in capsys.readouterr().err


def test_without_a_server_to_make_it_on_nothing_is_created(monkeypatch, capsys):
    """Prefect would make the automation on a temporary server of its own that stops at once."""
    monkeypatch.setenv("SYNTHFACTORY_ALERT_WEBHOOK_URL", "https://hooks.example.com/x")
    monkeypatch.delenv("PREFECT_API_URL")
    monkeypatch.setattr(alerts, "ensure_failure_alert", lambda *a, **k: pytest.fail("nothing may be created"))
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert alerts.main() == 2
    assert "set PREFECT_API_URL" in capsys.readouterr().err
