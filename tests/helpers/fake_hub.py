"""A stand-in for the Hugging Face Hub's upload endpoints on 127.0.0.1, recording what arrives.

It answers what HfApi.create_repo and create_commit call (huggingface_hub 2.4): POST /api/repos/create,
POST /api/validate-yaml (the README's metadata), POST /api/datasets/ORG/NAME/preupload/main (each file's upload
mode: Parquet as LFS, text as regular), the LFS batch endpoint and the upload it points at (with hf_xet disabled,
HF_HUB_DISABLE_XET=1, so LFS goes over plain HTTP), POST /api/datasets/ORG/NAME/commit/main (ndjson: files added
and deleted), and GET /api/datasets/ORG/NAME/tree/main (the files the repo holds, for list_repo_files). `files`
holds each committed path's bytes: regular files from the commit's base64, LFS files from their upload by oid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler

from tests.helpers.fake_http import LocalServer, send_json


class FakeHub(LocalServer):
    def __init__(self):
        self.repos: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.lfs_blobs: dict[str, bytes] = {}  # sha256 -> bytes uploaded
        self.commits: list[dict] = []
        self.authorizations: set[str] = set()
        self._lock = threading.Lock()
        self._serve(self._handler())

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("content-length") or 0))

            def do_POST(self):
                body = self._body()
                with hub._lock:
                    hub.authorizations.add(self.headers.get("authorization", ""))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    hub.repos.append(json.loads(body))
                    repo = json.loads(body)
                    send_json(self, 200, {"url": f"{hub.url}/datasets/{repo['organization']}/{repo['name']}"})
                elif path == "/api/validate-yaml":
                    send_json(self, 200, {"errors": [], "warnings": []})
                elif "/preupload/" in path:
                    files = json.loads(body)["files"]
                    send_json(self, 200, {"files": [hub.upload_mode(f) for f in files], "commitOid": "0" * 40})
                elif path.endswith(".git/info/lfs/objects/batch"):
                    send_json(self, 200, hub.lfs_batch(json.loads(body)))
                elif "/commit/" in path:
                    repo = path.removeprefix("/api/datasets/").split("/commit/")[0]
                    send_json(self, 200, hub.commit(repo, body))
                else:
                    send_json(self, 404, {"error": f"not stood in for: POST {path}"})

            def do_GET(self):
                path = self.path.split("?")[0]
                if path.startswith("/api/datasets/") and "/tree/" in path:
                    with hub._lock:
                        tree = [{"type": "file", "path": p, "size": len(b), "oid": hashlib.sha1(b).hexdigest()}
                                for p, b in sorted(hub.files.items())]  # fmt: skip
                    send_json(self, 200, tree)
                else:
                    send_json(self, 404, {"error": f"not stood in for: GET {path}"})

            def do_PUT(self):
                body = self._body()
                oid = self.path.rsplit("/", 1)[-1]
                with hub._lock:
                    hub.lfs_blobs[oid] = body
                send_json(self, 200, {})

        return Handler

    @staticmethod
    def upload_mode(file: dict) -> dict:
        binary = file["path"].endswith(".parquet")
        return {"path": file["path"], "uploadMode": "lfs" if binary else "regular", "shouldIgnore": False}

    def lfs_batch(self, request: dict) -> dict:
        objects = [
            {"oid": o["oid"], "size": o["size"], "actions": {"upload": {"href": f"{self.url}/lfs-upload/{o['oid']}"}}}
            for o in request["objects"]
        ]
        return {"transfer": "basic", "objects": objects}

    def commit(self, repo: str, body: bytes) -> dict:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        with self._lock:
            self.commits.append(lines[0]["value"])
            for line in lines[1:]:
                value = line["value"]
                if line["key"] == "file":
                    self.files[value["path"]] = base64.b64decode(value["content"])
                elif line["key"] == "lfsFile":
                    blob = self.lfs_blobs[value["oid"]]
                    assert hashlib.sha256(blob).hexdigest() == value["oid"], value["path"]
                    self.files[value["path"]] = blob
                elif line["key"] == "deletedFile":
                    del self.files[value["path"]]
        oid = f"{len(self.commits):040x}"
        return {"commitUrl": f"{self.url}/datasets/{repo}/commit/{oid}", "commitOid": oid}
