"""A fake OpenAI-compatible chat server (as vLLM or Ollama serve) on 127.0.0.1. The reply depends on a `mode=`
marker in the prompt: ok, no_tool, truncated (finish_reason length), bad_json (arguments that are not JSON),
error (HTTP 400). Requests are recorded."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler

from tests.helpers.fake_http import LocalServer, send_json


class FakeOpenAI(LocalServer):
    def __init__(self):
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                fake.requests.append(body)
                send_json(self, *fake.reply(body))

        self._serve(Handler, "/v1")

    @staticmethod
    def reply(body: dict) -> tuple[int, dict]:
        prompt = body["messages"][-1]["content"]
        mode, topic = re.search(r"mode=(\w+)", prompt).group(1), re.search(r"topic=(\w+)", prompt).group(1)
        if mode == "error":
            return 400, {"error": {"message": "bad request", "type": "invalid_request_error"}}
        arguments = json.dumps(
            {"instruction": f"Summarise {topic} for a child.", "output": f"{topic} explained simply."}
        )
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "emit_record", "arguments": "{not json" if mode == "bad_json" else arguments},
                }
            ],
        }
        if mode == "no_tool":
            message = {"role": "assistant", "content": "Sure!", "tool_calls": None}
        choice = {"index": 0, "message": message, "finish_reason": "length" if mode == "truncated" else "tool_calls"}
        return 200, {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [choice],
            "usage": {"prompt_tokens": 40, "completion_tokens": 15, "total_tokens": 55},
        }
