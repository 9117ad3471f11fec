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

import asyncio
import json
import logging
import os
import socket
import threading
import time
from http import HTTPStatus
from importlib import resources
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException

from ..core.errors import HansentiError
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
#: seconds a client has to send its whole request body
BODY_SECONDS = 10.0
#: deepest nesting of arrays and objects a request body may have (a request needs 2)
MAX_NESTING = 32


class RequestError(ValueError):
    """A client mistake, answered with ``status`` and a one-line reason."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


class PredictRequest(BaseModel):
    """One review (``text``) or a batch (``texts``), not both. This model is both the
    OpenAPI schema of ``POST /predict`` and the validator of every request."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"oneOf": [{"required": ["text"]}, {"required": ["texts"]}]})

    text: str | SkipJsonSchema[None] = Field(
        None, description=f"one review (at most {MAX_TEXT_CHARS:,} characters)")
    texts: Annotated[list[str], Field(min_length=1, max_length=MAX_TEXTS)] | SkipJsonSchema[
        None] = Field(None, description=f"several reviews (instead of text), 1 to {MAX_TEXTS:,}")
    explain: bool = Field(False, description="also each token's effect on the probability")

    @model_validator(mode="before")
    @classmethod
    def no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("text", "texts", "explain"):
                if key in data and data[key] is None:
                    raise ValueError(f'"{key}" may not be null')
        return data

    @model_validator(mode="after")
    def one_of_text_or_texts(self) -> "PredictRequest":
        if (self.text is None) == (self.texts is None):
            raise ValueError('give either "text" (one review) or "texts" (a list)')
        return self

    @property
    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


def checked_request(payload: Any) -> PredictRequest:
    """The validated request of a ``/predict`` payload; a bad one is a one-line 400, an
    oversized text or request 413."""
    if not isinstance(payload, dict):
        raise RequestError('send a JSON object: {"text": "..."} or {"texts": ["...", ...]}')
    try:
        request = PredictRequest.model_validate(payload)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]  # not pydantic's union tags
                         if isinstance(part, int) or part in PredictRequest.model_fields)
        raise RequestError(f"{where + ': ' if where else ''}{first['msg']}"
                           .replace("Value error, ", "")) from None
    texts = request.all_texts
    longest = max(range(len(texts)), key=lambda index: len(texts[index]))
    if len(texts[longest]) > MAX_TEXT_CHARS:
        raise RequestError(f"text {longest} has {len(texts[longest]):,} characters; at most "
                           f"{MAX_TEXT_CHARS:,} per text", HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    total = sum(map(len, texts))
    if total > MAX_REQUEST_CHARS:
        raise RequestError(f"{total:,} characters in one request; at most "
                           f"{MAX_REQUEST_CHARS:,}: send fewer texts per request",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    return request


def predictions(predictor: Predictor, payload: Any, lock: threading.Lock,
                time_limit: float = DEFAULT_TIME_LIMIT) -> dict:
    """The response to a ``/predict`` payload: ``{"text": ...}`` or ``{"texts": [...]}``,
    with ``"explain": true`` for per-token contributions. The time limit bounds all of
    it: waiting for the model, scoring, and explaining (checked between batches)."""
    request = checked_request(payload)
    texts = request.all_texts
    deadline = time.monotonic() + time_limit

    def check_clock() -> None:
        if time.monotonic() > deadline:
            raise RequestError(f"the request took over {time_limit:g} s: send fewer or "
                               "shorter texts", HTTPStatus.SERVICE_UNAVAILABLE)

    if not lock.acquire(timeout=time_limit):  # one model, many request threads
        raise RequestError(f"the model stayed busy for {time_limit:g} s: retry later",
                           HTTPStatus.SERVICE_UNAVAILABLE)
    try:
        batches, explanations = [], []
        for start in range(0, len(texts), BATCH):
            check_clock()
            batches.append(predictor.score(texts[start:start + BATCH]))
        for text in texts if request.explain else ():
            check_clock()
            explanations.append(predictor.explain(text, check_clock))
    finally:
        lock.release()
    results = []
    for scored in batches:
        for index in range(len(scored.labels)):
            row = scored.probabilities[index]
            known = scored.known[index]
            results.append({"text": texts[len(results)], "label": scored.labels[index],
                            "probability": round(float(row.max()), 6),
                            "probabilities": {name: round(float(p), 6)
                                              for name, p in zip(predictor.classes, row)},
                            "known": None if np.isnan(known) else round(float(known), 4)})
    for result, explanation in zip(results, explanations):
        result["tokens"] = explanation.to_dict()["tokens"]
    known = np.concatenate([scored.known for scored in batches])
    return {"predictions": results, "warning": predictor.familiarity_warning(known)}


#: how ``--workers`` processes learn what to load: each builds its app from these
RUN_ENV, TIME_LIMIT_ENV = "HANSENTI_SERVE_RUN", "HANSENTI_SERVE_TIME_LIMIT"
MIN_CONFIDENCE_ENV = "HANSENTI_SERVE_MIN_CONFIDENCE"


class TokenEffect(BaseModel):
    token: str
    contribution: float = Field(description="drop in the probability without this token")


class Prediction(BaseModel):
    text: str
    label: str = Field(description="the most probable class, or 'unsure' under the "
                                   "server's --min-confidence")
    probability: float = Field(description="calibrated probability of the most probable "
                                           "class")
    probabilities: dict[str, float] = Field(description="one probability per class")
    known: float | None = Field(description="share of the text's tokens the model knows "
                                            "(null: no tokens)")
    tokens: list[TokenEffect] | None = None


class PredictResponse(BaseModel):
    predictions: list[Prediction]
    warning: str | None = Field(None, description="set when the texts are unlike the "
                                                  "model's training reviews")


class Health(BaseModel):
    status: str
    name: str = Field(description="the installed model's name or the run folder")
    tokenizer: str
    model: str
    classes: list[str]
    min_confidence: float


class ErrorReply(BaseModel):
    error: str = Field(description="one line: what was wrong and what to do")


def create_app(predictor: Predictor, time_limit: float = DEFAULT_TIME_LIMIT) -> FastAPI:
    """The service as an ASGI app (one model, a lock around it, one thread per request);
    its API pages use Swagger UI files shipped in fastapi-offline, so /docs works offline."""
    from fastapi_offline import FastAPIOffline

    lock = threading.Lock()
    page = resources.files(__package__).joinpath("static/index.html").read_text("utf-8")
    health = Health(status="ok", name=predictor.name, tokenizer=predictor.config.tokenizer,
                    model=predictor.config.model, classes=list(predictor.classes),
                    min_confidence=predictor.min_confidence)
    refusals = {status: {"model": ErrorReply} for status in (400, 408, 413, 415, 503)}
    app = FastAPIOffline(title="hansenti", version="1.0",
                         description=f"Sentiment of reviews with the model {health.name} "
                                     f"({health.tokenizer} + {health.model}; classes "
                                     f"{', '.join(health.classes)}).")

    def error(status: int, message: str, close: bool = False,
              headers: dict[str, str] | None = None) -> JSONResponse:
        headers = {**(headers or {}), **({"Connection": "close"} if close else {})}
        return JSONResponse({"error": message}, status_code=status, headers=headers or None)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = (f"no page {request.url.path}" if exc.status_code == 404 else
                   f"{request.method} is not allowed here (allowed: "
                   f"{(exc.headers or {}).get('Allow', 'see /docs')})"
                   if exc.status_code == 405 else str(exc.detail))
        return error(exc.status_code, message, headers=exc.headers)

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
        """Label, calibrated probability and per-class probabilities of each text."""
        try:
            payload = await read_payload(request)
            return await run_in_threadpool(predictions, predictor, payload, lock, time_limit)
        except RequestError as refused:
            return error(refused.status, str(refused), close=refused.status in (
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.REQUEST_TIMEOUT))
        except Exception as failure:  # a fault of ours: logged, answered, server stays up
            log.exception("predict failed")
            return error(500, f"internal error ({type(failure).__name__}); see the server log")

    return app


async def read_payload(request: Any) -> Any:
    """The JSON body of a request: only ``application/json``, read within
    :data:`BODY_SECONDS`, refused before it is parsed when it is too large (a refused
    body up to :data:`MAX_DRAINED_BYTES` is read and dropped, so the client, still
    sending it, gets its 413 instead of a reset connection), and parsed without
    recursing into over-deep nesting."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise RequestError(f"send the body as application/json, not {media_type or 'none'}",
                           HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        raise RequestError("Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        if length <= MAX_DRAINED_BYTES:
            await _within_time(_drain(request))
        raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes",
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = await _within_time(_read_body(request))
    if _nesting(body) > MAX_NESTING:
        raise RequestError(f"body is not JSON this service reads: nested deeper than "
                           f"{MAX_NESTING} levels")
    try:
        return json.loads(body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as failure:
        raise RequestError(f"body is not JSON ({failure})") from failure


async def _read_body(request: Any) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:  # chunked, without a length
            raise RequestError(f"request body over {MAX_BODY_BYTES:,} bytes",
                               HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def _drain(request: Any) -> None:
    async for _ in request.stream():
        pass


async def _within_time(reading: Any) -> Any:
    """A body read that has not finished in :data:`BODY_SECONDS` is answered 408."""
    try:
        return await asyncio.wait_for(reading, BODY_SECONDS)
    except asyncio.TimeoutError:
        raise RequestError(f"the request body did not arrive within {BODY_SECONDS:g} s",
                           HTTPStatus.REQUEST_TIMEOUT) from None


def _nesting(body: bytes) -> int:
    """How deep ``[`` and ``{`` nest in a JSON body (outside strings); linear time."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def app_from_environment() -> FastAPI:
    """The app of one ``--workers`` process: it loads the model named in the environment."""
    return create_app(Predictor(os.environ[RUN_ENV],
                                float(os.environ.get(MIN_CONFIDENCE_ENV, 0.0))),
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
                  ready: Any = None, min_confidence: float = 0.0) -> None:
    """Serve with ``workers`` uvicorn processes, each loading ``run`` once; ``ready(port)``
    is called with the bound port (``port=0`` picks a free one) before they start."""
    import uvicorn

    try:
        listening = socket.create_server((host, port), backlog=128)
    except OSError as failure:
        raise HansentiError(f"cannot listen on {host}:{port} ({failure.strerror}): "
                            "try another --port") from failure
    os.environ[RUN_ENV], os.environ[TIME_LIMIT_ENV] = run, str(time_limit)
    os.environ[MIN_CONFIDENCE_ENV] = str(min_confidence)
    if ready:
        ready(listening.getsockname()[1])
    try:
        uvicorn.run("hansenti.inference.serve:app_from_environment", factory=True,
                    fd=listening.fileno(), workers=workers, log_level="warning",
                    timeout_keep_alive=30)
    finally:
        listening.close()
