"""A fake Anthropic Messages API on 127.0.0.1, for tests. The reply depends on a `mode=` marker in the prompt:
ok (a valid tool call), no_tool (plain text), truncated (stop_reason max_tokens), invalid (a record missing
its output), error (HTTP 400). A judge request (tool score_record) is scored from JUDGE_SCORES by the judge's
model and the record's topic. Every request is recorded."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# Each judge model's score (every rubric criterion alike) for a record about each topic.
JUDGE_SCORES = {
    "judge-a": {"tides": 5, "volcanoes": 4, "photosynthesis": 5, "mortgages": 2, "compilers": 4, "vaccines": 1, "glaciers": 5, "jazz": 3},
    "judge-b": {"tides": 5, "volcanoes": 5, "photosynthesis": 2, "mortgages": 2, "compilers": 3, "vaccines": 1, "glaciers": 4, "jazz": 3},
}


class FakeAnthropic:
    def __init__(self):
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append(body)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, reply = fake.reply(body)
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def judge(body: dict) -> tuple[int, dict]:
        record = json.loads(body["messages"][0]["content"])
        topic = re.search(r"Explain (\w+)", record["instruction"]).group(1)
        score = JUDGE_SCORES[body["model"]][topic]
        criteria = body["tools"][0]["input_schema"]["required"]
        scores = {c: score for c in criteria if c != "rationale"} | {"rationale": f"{topic} scored {score}"}
        content = [{"type": "tool_use", "id": "toolu_j", "name": "score_record", "input": scores}]
        return 200, FakeAnthropic.message(body["model"], content, "tool_use")

    @staticmethod
    def message(model: str, content: list, stop_reason: str) -> dict:
        return {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop_reason, "stop_sequence": None, "usage": {"input_tokens": 50, "output_tokens": 20},
        }

    @staticmethod
    def reply(body: dict) -> tuple[int, dict]:
        if body["tool_choice"]["name"] == "score_record":
            return FakeAnthropic.judge(body)
        prompt = body["messages"][0]["content"]
        mode = re.search(r"mode=(\w+)", prompt).group(1)
        topic = re.search(r"topic=(\w+)", prompt).group(1)
        if mode == "error":
            return 400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad request"}}
        record = {"instruction": f"Explain {topic} to a new colleague in two sentences.", "output": f"{topic} is important."}
        if mode == "invalid":
            record.pop("output")
        content = [{"type": "tool_use", "id": "toolu_1", "name": body["tool_choice"]["name"], "input": record}]
        if mode == "no_tool":
            content = [{"type": "text", "text": "I would rather chat."}]
        return 200, FakeAnthropic.message(body["model"], content, "max_tokens" if mode == "truncated" else "tool_use")
