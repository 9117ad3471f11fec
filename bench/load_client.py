"""A bounded load test of ``hansenti serve``: concurrent keep-alive clients on loopback
send a fixed mix of well-formed, malformed and oversized requests and every answer is
checked. Used by ``bench/serve_load.py`` and the test suite."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field

#: kinds of request and what a correct server answers
EXPECTED = {"ok": {200}, "batch": {200}, "megabyte": {200}, "malformed": {400},
            "oversized": {413}}


@dataclass
class LoadReport:
    """What the clients saw."""

    answers: dict[str, dict[int, int]] = field(default_factory=dict)
    #: seconds per well-formed request
    latencies: list[float] = field(default_factory=list)
    dropped: int = 0
    wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(sum(counts.values()) for counts in self.answers.values()) + self.dropped

    @property
    def server_errors_on_good_requests(self) -> int:
        return sum(count for kind in ("ok", "batch", "megabyte")
                   for status, count in self.answers.get(kind, {}).items() if status >= 500)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def to_dict(self) -> dict:
        return {"requests": self.requests, "seconds": self.seconds, "dropped": self.dropped,
                "answers": {kind: {str(k): v for k, v in counts.items()}
                            for kind, counts in self.answers.items()},
                "server_errors_on_good_requests": self.server_errors_on_good_requests,
                "wrong": self.wrong[:20], "p50_ms": 1000 * self.percentile(0.5),
                "p99_ms": 1000 * self.percentile(0.99)}


def request_plan(count: int, seed: int = 0, megabyte_every: int = 250) -> list[str]:
    """``count`` request kinds: 10% malformed, 1% oversized, a 1 MB text every
    ``megabyte_every`` requests, the rest single texts and small batches."""
    rng = random.Random(seed)
    plan = []
    for index in range(count):
        draw = rng.random()
        if index % megabyte_every == megabyte_every - 1:
            plan.append("megabyte")
        elif draw < 0.10:
            plan.append("malformed")
        elif draw < 0.11:
            plan.append("oversized")
        else:
            plan.append("batch" if draw < 0.30 else "ok")
    return plan


REVIEWS = ["정말 재밌어요 강추합니다", "시간 아깝다 최악의 영화", "그냥 그랬다", "배우 연기 최고",
           "스토리가 산으로 간다 ㅋㅋ", "이 영화 꼭 보세요!"]
MALFORMED = [b"{not json", b'{"texts": []}', b'{"texts": [1, 2]}', b'["a"]', b"\xff\xfe",
             b'{"text": null}']


def body_of(kind: str, rng: random.Random) -> bytes:
    if kind == "ok":
        return json.dumps({"text": rng.choice(REVIEWS)}, ensure_ascii=False).encode()
    if kind == "batch":
        return json.dumps({"texts": rng.choices(REVIEWS, k=rng.randint(2, 16))},
                          ensure_ascii=False).encode()
    if kind == "megabyte":  # one text of ~1 MB of UTF-8
        text = " ".join(rng.choices(REVIEWS, k=30_000))[:350_000]
        return json.dumps({"text": text}, ensure_ascii=False).encode()
    if kind == "malformed":
        return rng.choice(MALFORMED)
    return b'{"text": "' + b"a" * (5 * 1024 * 1024) + b'"}'  # oversized: over the body limit


def run_load(host: str, port: int, requests: int = 5_000, clients: int = 8,
             timeout: float = 60.0, seed: int = 0) -> LoadReport:
    """Send ``requests`` over ``clients`` keep-alive connections; every answer is read
    and checked against :data:`EXPECTED`. Bounded in count, and each call in time."""
    plan = request_plan(requests, seed)
    report = LoadReport()
    guard = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        for kind in plan[index::clients]:
            body = body_of(kind, rng)
            started = time.perf_counter()
            try:
                connection.request("POST", "/predict", body,
                                   {"Content-Type": "application/json"})
                response = connection.getresponse()
                payload = response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                with guard:
                    report.dropped += 1
                    report.wrong.append(f"{kind}: dropped ({type(error).__name__})")
                continue
            elapsed = time.perf_counter() - started
            problem = check_answer(kind, status, payload)
            with guard:
                report.answers.setdefault(kind, {})
                report.answers[kind][status] = report.answers[kind].get(status, 0) + 1
                if kind in ("ok", "batch", "megabyte"):
                    report.latencies.append(elapsed)
                if problem:
                    report.wrong.append(problem)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    return report


def check_answer(kind: str, status: int, payload: bytes) -> str | None:
    """Why an answer is wrong, or None: an unexpected status, a body that is not JSON,
    a refusal without a one-line reason, predictions missing."""
    try:
        body = json.loads(payload)
    except ValueError:
        return f"{kind}: {status} with a body that is not JSON"
    if status not in EXPECTED[kind]:
        return f"{kind}: got {status} ({body.get('error', '')[:80]})"
    if status >= 400 and (not isinstance(body.get("error"), str) or "\n" in body["error"]):
        return f"{kind}: {status} without a one-line error"
    if status == 200 and not body.get("predictions"):
        return f"{kind}: 200 without predictions"
    return None
