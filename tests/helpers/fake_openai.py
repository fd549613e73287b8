"""A fake OpenAI-compatible chat server (as vLLM or Ollama serve) on 127.0.0.1. It answers with valid arguments
of whatever function tool the request forces (built from its JSON Schema: tests/helpers/tool_replies.py); the
reply depends on a `mode=` marker in the prompt: ok, no_tool, truncated (finish_reason length), bad_json
(arguments that are not JSON), invalid (the last required column missing), off_schema (a json column's first
field of the wrong type), error (HTTP 400). Requests are recorded."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from tests.helpers.fake_http import LocalServer, send_json
from tests.helpers.tool_replies import OPENAI_TEXTS, marker, tool_arguments


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
        mode = marker(prompt, "mode")
        if mode == "error":
            return 400, {"error": {"message": "bad request", "type": "invalid_request_error"}}
        forced = body["tool_choice"]["function"]["name"]
        tool = next(t["function"] for t in body["tools"] if t["function"]["name"] == forced)
        arguments = json.dumps(tool_arguments(tool["parameters"], prompt, mode or "ok", OPENAI_TEXTS))
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": forced, "arguments": "{not json" if mode == "bad_json" else arguments},
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
