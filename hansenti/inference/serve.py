"""A small HTTP service around a finished run: ``POST /predict`` (JSON, one text or a
batch, optional token explanations), ``GET /health``, and ``GET /`` — one page where a
person types a review and sees label, probability and highlighted tokens.

Every request is bounded: a body over :data:`MAX_BODY_BYTES`, a text over
:data:`MAX_TEXT_CHARS` or a request over :data:`MAX_REQUEST_CHARS` is answered 413
before any work; a malformed one 400; one that cannot finish within the server's time
limit (waiting for the model included) 503. Each answer carries a one-line ``error``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from .predictor import Predictor

log = logging.getLogger("hansenti")

MAX_TEXTS = 1_000
MAX_BODY_BYTES = 4 * 1024 * 1024
#: a refused body up to this size is read and dropped, so the client, still sending it,
#: gets its 413 instead of a reset connection; a larger one is answered and cut off
MAX_DRAINED_BYTES = 64 * 1024 * 1024
#: characters of one text; longer texts are refused (within it, the review limit applies)
MAX_TEXT_CHARS = 1_000_000
#: characters of all texts of one request together
MAX_REQUEST_CHARS = 2_000_000
#: seconds a request may take, waiting for the model included
DEFAULT_TIME_LIMIT = 10.0
#: texts scored between two looks at the clock
BATCH = 32


class RequestError(ValueError):
    """A client mistake, answered with ``status`` and a one-line reason."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


def checked_texts(payload: Any) -> tuple[list[str], bool]:
    """The texts of a ``/predict`` payload and whether explanations are asked for."""
    if not isinstance(payload, dict):
        raise RequestError('send a JSON object: {"text": "..."} or {"texts": ["...", ...]}')
    texts = payload.get("texts", [payload["text"]] if "text" in payload else None)
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise RequestError('"texts" must be a non-empty list of strings (or give "text")')
    if len(texts) > MAX_TEXTS:
        raise RequestError(f"at most {MAX_TEXTS} texts per request, got {len(texts)}")
    longest = max(range(len(texts)), key=lambda index: len(texts[index]))
    if len(texts[longest]) > MAX_TEXT_CHARS:
        raise RequestError(f"text {longest} has {len(texts[longest]):,} characters; at most "
                           f"{MAX_TEXT_CHARS:,} per text", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    total = sum(map(len, texts))
    if total > MAX_REQUEST_CHARS:
        raise RequestError(f"{total:,} characters in one request; at most "
                           f"{MAX_REQUEST_CHARS:,}: send fewer texts per request",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    return texts, bool(payload.get("explain", False))


def predictions(predictor: Predictor, payload: Any, lock: threading.Lock,
                time_limit: float = DEFAULT_TIME_LIMIT) -> dict:
    """The response to a ``/predict`` payload: ``{"text": ...}`` or ``{"texts": [...]}``,
    with ``"explain": true`` for per-token contributions."""
    texts, explain = checked_texts(payload)
    deadline = time.monotonic() + time_limit

    def check_clock() -> None:
        if time.monotonic() > deadline:
            raise RequestError(f"the request took over {time_limit:g} s: send fewer or "
                               "shorter texts", HTTPStatus.SERVICE_UNAVAILABLE)

    if not lock.acquire(timeout=time_limit):  # one model, many request threads
        raise RequestError(f"the model stayed busy for {time_limit:g} s: retry later",
                           HTTPStatus.SERVICE_UNAVAILABLE)
    try:
        probabilities, explanations = [], []
        for start in range(0, len(texts), BATCH):
            check_clock()
            probabilities.extend(predictor.predict(texts[start:start + BATCH]))
        for text in texts if explain else ():
            check_clock()
            explanations.append(predictor.explain(text))
    finally:
        lock.release()
    results = []
    for index, (text, row) in enumerate(zip(texts, probabilities)):
        best = int(row.argmax())
        result = {"text": text, "label": predictor.classes[best],
                  "probability": round(float(row[best]), 6),
                  "probabilities": {name: round(float(p), 6)
                                    for name, p in zip(predictor.classes, row)}}
        if explanations:
            result["tokens"] = explanations[index].to_dict()["tokens"]
        results.append(result)
    return {"predictions": results}


def read_payload(handler: BaseHTTPRequestHandler) -> Any:
    """The JSON body of a request, refused before it is read when it is too large."""
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        handler.close_connection = True  # where the body ends is unknown
        raise RequestError("Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        if length <= MAX_DRAINED_BYTES:
            drain(handler.rfile, length)
        else:
            handler.close_connection = True
        raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    try:
        return json.loads(handler.rfile.read(length) or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestError(f"body is not JSON ({error})") from error


def drain(stream: Any, length: int) -> None:
    """Read and drop ``length`` bytes of ``stream``, a megabyte at a time."""
    while length > 0:
        chunk = stream.read(min(1 << 20, length))
        if not chunk:
            return
        length -= len(chunk)


def make_handler(predictor: Predictor, time_limit: float = DEFAULT_TIME_LIMIT
                 ) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    page = resources.files(__package__).joinpath("static/index.html").read_bytes()
    run_name = predictor.run.path.name

    class Handler(BaseHTTPRequestHandler):
        server_version = "hansenti"
        protocol_version = "HTTP/1.1"  # keep-alive: a client may send many requests

        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # the page takes ?text=... to score on load
            if path in ("/", "/index.html"):
                self.reply(HTTPStatus.OK, page, "text/html; charset=utf-8")
            elif path == "/health":
                self.reply_json(HTTPStatus.OK, {"status": "ok", "run": run_name,
                                                "tokenizer": predictor.config.tokenizer,
                                                "model": predictor.config.model,
                                                "classes": list(predictor.classes)})
            else:
                self.reply_json(HTTPStatus.NOT_FOUND, {"error": f"no page {path}"})

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/predict":
                self.close_connection = True  # the body was not read
                self.reply_json(HTTPStatus.NOT_FOUND, {"error": "POST to /predict"})
                return
            try:
                self.reply_json(HTTPStatus.OK, predictions(predictor, read_payload(self), lock,
                                                           time_limit))
            except RequestError as error:
                self.reply_json(error.status, {"error": str(error)})
            except Exception as error:  # a fault of ours: logged, answered, server stays up
                log.exception("predict failed")
                self.reply_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                                {"error": f"internal error ({type(error).__name__}); see the "
                                          "server log"})

        def reply_json(self, status: HTTPStatus, body: dict) -> None:
            self.reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                       "application/json; charset=utf-8")

        def reply(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), format % args)

    return Handler


class Server(ThreadingHTTPServer):
    """One thread per connection; a backlog that absorbs bursts of new connections."""

    request_queue_size = 128


def make_server(predictor: Predictor, host: str = "127.0.0.1", port: int = 8000,
                time_limit: float = DEFAULT_TIME_LIMIT) -> ThreadingHTTPServer:
    """A ready server (``port=0`` picks a free one); call ``serve_forever()`` on it."""
    return Server((host, port), make_handler(predictor, time_limit))
