"""A small HTTP service around a finished run: ``POST /predict`` (JSON, one text or a
batch, optional token explanations), ``GET /health``, and ``GET /`` — one page where a
person types a review and sees label, probability and highlighted tokens."""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from .run import Predictor

log = logging.getLogger("hansenti")

MAX_TEXTS = 1_000
MAX_BODY_BYTES = 10 * 1024 * 1024


class RequestError(ValueError):
    """A client mistake, answered with 400 and a one-line reason."""


def predictions(predictor: Predictor, payload: Any, lock: threading.Lock) -> dict:
    """The response to a ``/predict`` payload: ``{"text": ...}`` or ``{"texts": [...]}``,
    with ``"explain": true`` for per-token contributions."""
    if not isinstance(payload, dict):
        raise RequestError('send a JSON object: {"text": "..."} or {"texts": ["...", ...]}')
    texts = payload.get("texts", [payload["text"]] if "text" in payload else None)
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise RequestError('"texts" must be a non-empty list of strings (or give "text")')
    if len(texts) > MAX_TEXTS:
        raise RequestError(f"at most {MAX_TEXTS} texts per request, got {len(texts)}")
    explain = bool(payload.get("explain", False))
    with lock:  # one model, many request threads
        probabilities = predictor.predict(texts)
        explanations = [predictor.explain(text) for text in texts] if explain else None
    results = []
    for index, (text, probability) in enumerate(zip(texts, probabilities)):
        result = {"text": text, "label": predictor.labels([probability])[0],
                  "probability": round(float(probability), 6)}
        if explanations:
            result["tokens"] = explanations[index].to_dict()["tokens"]
        results.append(result)
    return {"predictions": results}


def make_handler(predictor: Predictor) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    page = resources.files("hansenti").joinpath("static/index.html").read_bytes()
    run_name = predictor.run.path.name

    class Handler(BaseHTTPRequestHandler):
        server_version = "hansenti"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # the page takes ?text=... to score on load
            if path in ("/", "/index.html"):
                self.reply(HTTPStatus.OK, page, "text/html; charset=utf-8")
            elif path == "/health":
                self.reply_json(HTTPStatus.OK, {"status": "ok", "run": run_name,
                                                "tokenizer": predictor.config.tokenizer,
                                                "model": predictor.config.model})
            else:
                self.reply_json(HTTPStatus.NOT_FOUND, {"error": f"no page {path}"})

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/predict":
                self.reply_json(HTTPStatus.NOT_FOUND, {"error": "POST to /predict"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes")
                try:
                    payload = json.loads(self.rfile.read(length) or b"null")
                except (json.JSONDecodeError, UnicodeDecodeError) as error:
                    raise RequestError(f"body is not JSON ({error})") from error
                self.reply_json(HTTPStatus.OK, predictions(predictor, payload, lock))
            except RequestError as error:
                self.reply_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})

        def reply_json(self, status: HTTPStatus, body: dict) -> None:
            self.reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")

        def reply(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def make_server(predictor: Predictor, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A ready server (``port=0`` picks a free one); call ``serve_forever()`` on it."""
    return ThreadingHTTPServer((host, port), make_handler(predictor))
