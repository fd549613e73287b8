"""A fake Anthropic API on 127.0.0.1 for tests and benchmarks: Messages and Message Batches.

A generation request is answered with a valid input of whatever tool it forces (built from the tool's JSON
Schema, mentioning the prompt's `topic=`: tests/helpers/tool_replies.py); the reply depends on a `mode=` marker
in its prompt:
  ok, no_tool (plain text), truncated (stop_reason max_tokens), invalid (a record missing its last required
  column), off_schema (a json column's first field of the wrong type),
  error (HTTP 400), throttle_once (429 with retry-after-ms, then ok), overloaded_once (529, then ok),
  server_error_once (500, then ok), slow_once (no reply until the client times out, then ok),
  drop_once (connection closed without a reply, then ok), garbage_once (200 with a body that is not JSON,
  then ok), always_500, expire_once (in a batch: expired in the first batch, then ok).
A judge request (tool score_record) is scored from JUDGE_SCORES by the judge's model and the record's topic;
a contamination judge request (tool same_item) is answered by FakeAnthropic.same_item.
`fault_rate` adds random faults (429, 529, 500, dropped connections) to any request, and `requests_per_minute`
makes the server refuse requests over that rate with 429, as the real API does; `hold_after` holds every reply
after that many requests until `released` is set (to catch a client mid-run). Requests are recorded.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler

from tests.helpers.fake_http import LocalServer, send_json
from tests.helpers.tool_replies import ANTHROPIC_TEXTS, tool_arguments

JUDGE_SCORES = {
    "judge-a": {
        "tides": 5,
        "volcanoes": 4,
        "photosynthesis": 5,
        "mortgages": 2,
        "compilers": 4,
        "vaccines": 1,
        "glaciers": 5,
        "jazz": 3,
    },
    "judge-b": {
        "tides": 5,
        "volcanoes": 5,
        "photosynthesis": 2,
        "mortgages": 2,
        "compilers": 3,
        "vaccines": 1,
        "glaciers": 4,
        "jazz": 3,
    },
}
DROP = "drop"
SLOW = "slow"


def body_key(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class FakeAnthropic(LocalServer):
    def __init__(
        self,
        requests_per_minute: float | None = None,
        fault_rate: float = 0.0,
        hold_after: int | None = None,
        seed: int = 0,
    ):
        self.requests_per_minute, self.fault_rate, self.hold_after = requests_per_minute, fault_rate, hold_after
        self.released = threading.Event()  # with hold_after: replies past that many requests wait for this
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.attempts: Counter = Counter()
        self.accepted_at: deque = deque()
        self.statuses: Counter = Counter()
        self.batches: dict[str, dict] = {}
        self.seen_prefixes: set[str] = set()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._serve(self._handler())

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                status, payload, raw = fake.batch_get(self.path)
                send_json(self, status, payload, raw=raw)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if self.path.endswith("/messages/batches"):
                    send_json(self, 200, fake.batch_create(body))
                    return
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    fake._arrived.notify_all()
                outcome = fake.reply(body)
                if outcome == SLOW:
                    fake.wait_for_client_to_hang_up(self.connection)
                    outcome = DROP
                if outcome == DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, payload, headers, raw = outcome
                try:
                    send_json(self, status, payload, headers, raw)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client is gone (killed, or timed out)

        return Handler

    def wait_for_requests(self, count: int, timeout: float) -> bool:
        """Block until `count` requests have arrived (True), or `timeout` passes (False)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def __exit__(self, *exc):
        self.released.set()
        super().__exit__(*exc)

    @staticmethod
    def wait_for_client_to_hang_up(connection: socket.socket) -> None:
        """A reply slower than the client will wait: hold it until the client times out and closes."""
        connection.settimeout(60)
        try:
            while connection.recv(1024):
                pass
        except OSError:
            pass

    def before_reply(self) -> None:
        """Where a subclass adds latency (the benchmark does); tests need none."""

    # Messages
    def reply(self, body: dict):
        key = body_key(body)
        with self._lock:
            self.attempts[key] += 1
            held = self.hold_after is not None and len(self.requests) > self.hold_after
            first = self.attempts[key] == 1
            throttled = self._over_rate()
            fault = self._rng.random() < self.fault_rate
            kind = self._rng.choice(["429", "529", "500", DROP]) if fault else None
        if held:
            self.released.wait()
        if throttled:
            self._record("429_over_rate")
            return (
                429,
                {"type": "error", "error": {"type": "rate_limit_error", "message": "over the rate limit"}},
                {"retry-after-ms": "100"},
                None,
            )
        self.before_reply()
        if kind == DROP:
            return self._record(DROP)
        if kind:
            return self._status(int(kind), {"retry-after-ms": "50"} if kind == "429" else {})
        if body["tool_choice"]["name"] == "score_record":
            return self._ok(self.judge(body))
        if body["tool_choice"]["name"] == "same_item":
            return self._ok(self.same_item(body))
        mode = re.search(r"mode=(\w+)", body["messages"][0]["content"]).group(1)
        once = {"throttle_once": 429, "overloaded_once": 529, "server_error_once": 500}
        if mode in once and first:
            return self._status(once[mode], {"retry-after-ms": "50"})
        if mode == "always_500":
            return self._status(500)
        if mode == "drop_once" and first:
            return self._record(DROP)
        if mode == "garbage_once" and first:
            self._record(200)
            return 200, None, {}, b"{this is not json"
        if mode == "slow_once" and first:
            return SLOW
        if mode == "error":
            return self._status(400)
        return self._ok(self.message(body, mode))

    def _over_rate(self) -> bool:
        if not self.requests_per_minute:
            return False
        now = time.monotonic()
        while self.accepted_at and now - self.accepted_at[0] > 1.0:
            self.accepted_at.popleft()
        if len(self.accepted_at) >= self.requests_per_minute / 60:
            return True
        self.accepted_at.append(now)
        return False

    def _record(self, status):
        with self._lock:
            self.statuses[status] += 1
        return status

    def _status(self, status: int, headers: dict | None = None):
        self._record(status)
        error = {
            "type": "error",
            "error": {
                "type": {429: "rate_limit_error", 529: "overloaded_error", 400: "invalid_request_error"}.get(
                    status, "api_error"
                ),
                "message": f"fake {status}",
            },
        }
        return status, error, headers or {}, None

    def _ok(self, message: dict):
        self._record(200)
        headers = (
            {"anthropic-ratelimit-requests-limit": str(int(self.requests_per_minute))}
            if self.requests_per_minute
            else {}
        )
        return 200, message, headers, None

    def usage(self, body: dict) -> dict:
        system = body.get("system")
        blocks = system if isinstance(system, list) else []
        cached = [b for b in blocks if b.get("cache_control")]
        prefix_tokens = sum(len(b["text"]) for b in blocks) // 4
        usage = {
            "input_tokens": 50,
            "output_tokens": 20,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        if cached:
            prefix = json.dumps(blocks, sort_keys=True)
            with self._lock:
                hit = prefix in self.seen_prefixes
                self.seen_prefixes.add(prefix)
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = prefix_tokens
        else:
            usage["input_tokens"] += prefix_tokens
        return usage

    def message(self, body: dict, mode: str) -> dict:
        tool = next(t for t in body["tools"] if t["name"] == body["tool_choice"]["name"])
        record = tool_arguments(tool["input_schema"], body["messages"][0]["content"], mode, ANTHROPIC_TEXTS)
        content = [{"type": "tool_use", "id": "toolu_1", "name": body["tool_choice"]["name"], "input": record}]
        if mode == "no_tool":
            content = [{"type": "text", "text": "I would rather chat."}]
        return self.envelope(body, content, "max_tokens" if mode == "truncated" else "tool_use")

    def judge(self, body: dict) -> dict:
        record = json.loads(body["messages"][0]["content"])
        topic = re.search(r"Explain (\w+)", record["instruction"]).group(1)
        score = JUDGE_SCORES[body["model"]][topic]
        criteria = [c for c in body["tools"][0]["input_schema"]["required"] if c != "rationale"]
        scores = {c: score for c in criteria} | {"rationale": f"{topic} scored {score}"}
        return self.envelope(
            body, [{"type": "tool_use", "id": "toolu_j", "name": "score_record", "input": scores}], "tool_use"
        )

    def same_item(self, body: dict) -> dict:
        """The contamination judge: a candidate saying "again" restates the item, one saying "mumble" gets a
        reply without a decision, any other does not."""
        candidate = body["messages"][0]["content"].split("CANDIDATE:\n", 1)[1]
        decision = {} if "mumble" in candidate else {"same": "again" in candidate}
        return self.envelope(
            body,
            [{"type": "tool_use", "id": "toolu_s", "name": "same_item", "input": {**decision, "reason": "fake"}}],
            "tool_use",
        )

    def envelope(self, body: dict, content: list, stop_reason: str) -> dict:
        return {
            "id": f"msg_{uuid.uuid4().hex[:12]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": self.usage(body),
        }

    # Message Batches
    def batch_create(self, body: dict) -> dict:
        batch_id = f"msgbatch_{uuid.uuid4().hex[:12]}"
        with self._lock:
            self.batches[batch_id] = {"requests": body["requests"], "polls": 0}
        return self.batch_object(batch_id, "in_progress")

    def batch_object(self, batch_id: str, status: str) -> dict:
        count = len(self.batches[batch_id]["requests"])
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {
                "processing": 0 if status == "ended" else count,
                "succeeded": 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": "2026-11-21T00:00:00Z",
            "expires_at": "2026-11-22T00:00:00Z",
            "ended_at": "2026-11-21T00:01:00Z" if status == "ended" else None,
            "cancel_initiated_at": None,
            "archived_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{batch_id}/results" if status == "ended" else None,
        }

    def batch_get(self, path: str):
        match = re.search(r"/v1/messages/batches/([\w]+)(/results)?", path)
        batch_id, results = match.group(1), match.group(2)
        if not results:
            with self._lock:
                self.batches[batch_id]["polls"] += 1
            return 200, self.batch_object(batch_id, "ended"), None
        lines = []
        for item in self.batches[batch_id]["requests"]:
            params = item["params"]
            with self._lock:
                self.requests.append(params)
                key = body_key(params)
                self.attempts[key] += 1
                first = self.attempts[key] == 1
            mode = re.search(r"mode=(\w+)", params["messages"][0]["content"]).group(1)
            if mode == "expire_once" and first:
                result = {"type": "expired"}
            elif mode == "error":
                result = {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}},
                }
            else:
                result = {
                    "type": "succeeded",
                    "message": self.message(params, "ok" if mode.endswith("_once") else mode),
                }
            lines.append(json.dumps({"custom_id": item["custom_id"], "result": result}))
        return 200, None, ("\n".join(lines) + "\n").encode()
