"""A failed build reaches a person: on a real Prefect server, a flow run that fails emits synthfactory.build.failed,
and the automation from flows/alerts.py posts it to a webhook (here a listener on 127.0.0.1)."""

import json
from http.server import BaseHTTPRequestHandler

import pytest
from prefect import flow

from flows.alerts import ensure_failure_alert
from flows.events import emit_failure
from tests.helpers.fake_http import LocalServer, send_json
from tests.helpers.prefect_server import prefect_server
from tests.helpers.waiting import wait_until


class Webhook(LocalServer):
    """Records the JSON bodies posted to it."""

    def __init__(self):
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                posts.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                send_json(self, 200, {})

            def log_message(self, *args):
                pass

        self._serve(Handler)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as env:
        yield env


@flow(name="build-dataset", on_failure=[emit_failure])
def failing_build(spec_path: str) -> None:
    raise RuntimeError("diversity gate failed: distinct_2 fell by 40%")


def test_a_failed_build_posts_to_the_alert_webhook(server):
    with Webhook() as hook:
        first = ensure_failure_alert(hook.url, allow_private_urls=True)
        assert ensure_failure_alert(hook.url, allow_private_urls=True) == first  # rerunning updates, never duplicates
        with pytest.raises(RuntimeError):
            failing_build("deployments/specs/instruct-demo.yaml")
        posted = wait_until(lambda: hook.posts, 90, "the automation to call the webhook", interval=0.5)
    text = posted[0]["text"]
    assert "instruct-demo failed" in text and "diversity gate failed" in text, text
