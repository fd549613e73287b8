"""A failed build reaches a person: on a real Prefect server, a flow run that fails emits synthfactory.build.failed,
and the automation from flows/alerts.py posts it to a webhook (here a listener on 127.0.0.1)."""

import json
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from flows.alerts import ensure_failure_alert
from tests.helpers.fake_http import LocalServer, send_json
from tests.helpers.prefect_server import prefect_server
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


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


FAILING_BUILD = """
from prefect import flow
from flows.events import emit_failure

@flow(name="build-dataset", on_failure=[emit_failure])
def failing_build(spec_path: str) -> None:
    raise RuntimeError("diversity gate failed: distinct_2 fell by 40%")

try:
    failing_build("deployments/specs/instruct-demo.yaml")
except RuntimeError:
    pass
"""


def test_a_failed_build_posts_to_the_alert_webhook(server):
    with Webhook() as hook:
        first = ensure_failure_alert(hook.url, allow_private_urls=True)
        assert ensure_failure_alert(hook.url, allow_private_urls=True) == first  # rerunning updates, never duplicates
        # The failing build runs in a process of its own, as a worker would run it (and so this process's event
        # worker never points at a server the test stops).
        subprocess.run([sys.executable, "-c", FAILING_BUILD], env=server, cwd=ROOT, check=True, timeout=120)
        posted = wait_until(lambda: hook.posts, 90, "the automation to call the webhook", interval=0.5)
    text = posted[0]["text"]
    assert "instruct-demo failed" in text and "diversity gate failed" in text, text
