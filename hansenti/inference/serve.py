"""The HTTP service around a finished run, on FastAPI + uvicorn: ``POST /predict`` (JSON,
one text or a batch, optional token explanations), ``GET /health``, ``GET /`` — one page
where a person types a review and sees label, probability and highlighted tokens — and
the OpenAPI schema at ``/openapi.json`` with its pages at ``/docs``.

Every request is bounded: a body over :data:`MAX_BODY_BYTES`, a text over
:data:`MAX_TEXT_CHARS` or a request over :data:`MAX_REQUEST_CHARS` is answered 413
before any work; a malformed one 400; one that cannot finish within the server's time
limit (waiting for the model included) 503. Each answer carries a one-line ``error``.
With ``workers > 1`` each uvicorn worker process loads the model once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from http import HTTPStatus
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ..errors import HansentiError
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


#: how ``--workers`` processes learn what to load: each builds its app from these
RUN_ENV, TIME_LIMIT_ENV = "HANSENTI_SERVE_RUN", "HANSENTI_SERVE_TIME_LIMIT"


class PredictRequest(BaseModel):
    """One text, or a batch of at most :data:`MAX_TEXTS`."""

    text: str | None = Field(None, description="one review")
    texts: list[str] | None = Field(None, description="several reviews (instead of text)")
    explain: bool = Field(False, description="also each token's effect on the probability")


class TokenEffect(BaseModel):
    token: str
    contribution: float = Field(description="drop in the probability without this token")


class Prediction(BaseModel):
    text: str
    label: str
    probability: float = Field(description="probability of the predicted class")
    probabilities: dict[str, float] = Field(description="one probability per class")
    tokens: list[TokenEffect] | None = None


class PredictResponse(BaseModel):
    predictions: list[Prediction]


class Health(BaseModel):
    status: str
    run: str
    tokenizer: str
    model: str
    classes: list[str]


class ErrorReply(BaseModel):
    error: str = Field(description="one line: what was wrong and what to do")


def create_app(predictor: Predictor, time_limit: float = DEFAULT_TIME_LIMIT) -> FastAPI:
    """The service as an ASGI app (one model, a lock around it, one thread per request)."""
    lock = threading.Lock()
    page = resources.files(__package__).joinpath("static/index.html").read_text("utf-8")
    health = Health(status="ok", run=predictor.run.path.name,
                    tokenizer=predictor.config.tokenizer, model=predictor.config.model,
                    classes=list(predictor.classes))
    refusals = {status: {"model": ErrorReply} for status in (400, 413, 503)}
    app = FastAPI(title="hansenti", version="1.0",
                  description=f"Sentiment of reviews with the run {health.run} "
                              f"({health.tokenizer} + {health.model}; classes "
                              f"{', '.join(health.classes)}).")

    def error(status: int, message: str, close: bool = False) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status,
                            headers={"Connection": "close"} if close else None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = (f"no page {request.url.path}" if exc.status_code == 404 else
                   f"{request.method} is not allowed here: POST to /predict"
                   if exc.status_code == 405 else str(exc.detail))
        return error(exc.status_code, message)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page

    @app.get("/health", response_model=Health)
    def get_health() -> Health:
        return health

    @app.post("/predict", response_model=PredictResponse, responses=refusals,
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": PredictRequest.model_json_schema()}}}})
    async def predict(request: Request):
        """Label, probability and per-class probabilities of each text."""
        try:
            payload = await read_payload(request)
            return await run_in_threadpool(predictions, predictor, payload, lock, time_limit)
        except RequestError as refused:
            return error(refused.status, str(refused),
                         close=refused.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        except Exception as failure:  # a fault of ours: logged, answered, server stays up
            log.exception("predict failed")
            return error(500, f"internal error ({type(failure).__name__}); see the server log")

    return app


async def read_payload(request: Any) -> Any:
    """The JSON body of a request, refused before it is parsed when it is too large (a
    refused body up to :data:`MAX_DRAINED_BYTES` is read and dropped, so the client,
    still sending it, gets its 413 instead of a reset connection)."""
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise RequestError("Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        if length <= MAX_DRAINED_BYTES:
            async for _ in request.stream():
                pass
        raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:  # chunked, without a length
        raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    try:
        return json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as failure:
        raise RequestError(f"body is not JSON ({failure})") from failure


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process: it loads the model named in the environment."""
    return create_app(Predictor(os.environ[RUN_ENV]),
                      float(os.environ.get(TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT)))


class LiveServer:
    """A uvicorn server on a socket bound up front (``port=0`` picks a free one), run with
    :meth:`serve_forever` and stopped with :meth:`shutdown` from another thread."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        import uvicorn

        self.socket = socket.create_server((host, port), backlog=128)
        self.server_port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning",
                                                    timeout_keep_alive=30))
        self.stopped = threading.Event()

    def serve_forever(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Ask the server to stop and wait until it has."""
        self.server.should_exit = True
        self.stopped.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()


def make_server(predictor: Predictor, host: str = "127.0.0.1", port: int = 8000,
                time_limit: float = DEFAULT_TIME_LIMIT) -> LiveServer:
    """A ready one-process server; call ``serve_forever()`` on it."""
    try:
        return LiveServer(create_app(predictor, time_limit), host, port)
    except OSError as failure:
        raise HansentiError(f"cannot listen on {host}:{port} ({failure.strerror}): "
                            "try another --port") from failure


def serve_workers(run: str, host: str, port: int, workers: int,
                  time_limit: float = DEFAULT_TIME_LIMIT,
                  ready: Any = None) -> None:
    """Serve with ``workers`` uvicorn processes, each loading ``run`` once; ``ready(port)``
    is called with the bound port (``port=0`` picks a free one) before they start."""
    import uvicorn

    try:
        listening = socket.create_server((host, port), backlog=128)
    except OSError as failure:
        raise HansentiError(f"cannot listen on {host}:{port} ({failure.strerror}): "
                            "try another --port") from failure
    os.environ[RUN_ENV], os.environ[TIME_LIMIT_ENV] = run, str(time_limit)
    if ready:
        ready(listening.getsockname()[1])
    try:
        uvicorn.run("hansenti.inference.serve:app_from_environment", factory=True,
                    fd=listening.fileno(), workers=workers, log_level="warning",
                    timeout_keep_alive=30)
    finally:
        listening.close()
