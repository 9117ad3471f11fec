"""The HTTP service against a live server, and its page in headless Chromium."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request

import pytest

from hansenti.inference.predictor import Predictor
from hansenti.inference.serve import make_server

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def server(trained_run):
    live = make_server(Predictor(trained_run[0]), port=0)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live.server_port}"
    live.shutdown()
    live.server_close()


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.realdata
def test_predict_one_and_a_batch(server):
    status, body = post(f"{server}/predict", json.dumps({"text": "정말 최고의 영화"}).encode())
    assert status == 200
    (prediction,) = body["predictions"]
    assert prediction["label"] == "positive" and 0.5 < prediction["probability"] <= 1
    texts = ["정말 최고의 영화", "시간 아깝다 최악", "그냥 그랬다"]
    status, body = post(f"{server}/predict", json.dumps({"texts": texts, "explain": True},
                                                        ensure_ascii=False).encode())
    assert status == 200 and [p["text"] for p in body["predictions"]] == texts
    assert body["predictions"][1]["label"] == "negative"
    assert [t["token"] for t in body["predictions"][1]["tokens"]] == ["시간", "아깝다", "최악"]


@pytest.mark.realdata
@pytest.mark.parametrize("body, message", [
    (b"{not json", "body is not JSON"),
    (b'{"texts": []}', "texts: List should have at least 1 item"),
    (b'{"texts": [1, 2]}', "texts.0: Input should be a valid string"),
    (b'["a"]', "send a JSON object"),
    (json.dumps({"texts": ["a"] * 1001}).encode(), "texts: List should have at most 1000"),
    (b'{}', 'give either "text"'),
    (b'{"text": "a", "texts": ["b"]}', 'give either "text"'),
    (b'{"text": "a", "explain": "no"}', "explain: Input should be a valid boolean"),
    (b'{"text": null}', '"text" may not be null'),
    (b"[" * 100_000, "nested deeper than 32 levels"),
])
def test_bad_requests_get_400_and_a_reason(server, body, message):
    status, reply = post(f"{server}/predict", body)
    assert status == 400 and message in reply["error"]


@pytest.mark.realdata
def test_health_and_page(server):
    with urllib.request.urlopen(f"{server}/health", timeout=10) as response:
        assert json.loads(response.read())["model"] == "cnn"
    with urllib.request.urlopen(f"{server}/", timeout=10) as response:
        page = response.read().decode("utf-8")
    assert "<textarea" in page and "/predict" in page
    with urllib.request.urlopen(f"{server}/?text=%EC%A2%8B%EB%8B%A4", timeout=10) as response:
        assert response.status == 200


@pytest.mark.realdata
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make setup installs it)")
def test_page_in_headless_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        page.goto(server)
        page.fill("#text", "배우들 연기가 정말 최고 강추")
        page.click("#score")
        page.wait_for_selector("#result:not([hidden])", timeout=20_000)
        assert page.text_content("#label") == "positive"
        assert "P(positive)" in page.text_content("#probability")
        tokens = page.locator("#tokens .tok")
        assert tokens.count() == 5 and tokens.first.get_attribute("title")[0] in "+-"
        page.fill("#text", "")
        page.click("#score")
        assert "type a review first" in page.text_content("#error")
        browser.close()


@pytest.mark.realdata
def test_oversized_requests_get_413_before_any_work(server, monkeypatch):
    from hansenti.inference import serve

    status, reply = post(f"{server}/predict", b'{"text": "' + b"a" * (5 * 1024 * 1024) + b'"}')
    assert status == 413 and "request body over" in reply["error"]
    monkeypatch.setattr(serve, "MAX_TEXT_CHARS", 100)
    status, reply = post(f"{server}/predict", json.dumps({"texts": ["짧다", "길다" * 60]}).encode())
    assert status == 413 and reply["error"].startswith("text 1 has 120 characters")
    monkeypatch.setattr(serve, "MAX_REQUEST_CHARS", 150)
    status, reply = post(f"{server}/predict", json.dumps({"texts": ["좋다" * 40] * 2}).encode())
    assert status == 413 and "send fewer texts" in reply["error"]


@pytest.mark.realdata
def test_a_megabyte_text_is_answered_quickly(server):
    import time

    started = time.perf_counter()
    status, body = post(f"{server}/predict", json.dumps({"text": "최고 " * 300_000}).encode())
    assert status == 200 and body["predictions"][0]["label"] in ("positive", "negative")
    assert time.perf_counter() - started < 10


@pytest.mark.realdata
def test_a_request_over_the_time_limit_gets_503(trained_run):
    live = make_server(Predictor(trained_run[0]), port=0, time_limit=0.001)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    try:
        status, reply = post(f"http://127.0.0.1:{live.server_port}/predict",
                             json.dumps({"texts": ["좋다 정말"] * 500}).encode())
        assert status == 503 and "took over 0.001 s" in reply["error"]
    finally:
        live.shutdown()
        live.server_close()


@pytest.mark.realdata
def test_load_of_concurrent_clients_is_answered_in_full(server):
    """A bounded version of bench/serve_load.py: 4 keep-alive clients, 600 requests."""
    from urllib.parse import urlsplit

    from bench.load_client import run_load

    address = urlsplit(server)
    report = run_load(address.hostname, address.port, requests=600, clients=4, timeout=30)
    assert report.requests == 600 and report.dropped == 0, report.wrong
    assert report.server_errors_on_good_requests == 0 and report.wrong == []
    assert set(report.answers) == {"ok", "batch", "megabyte", "malformed", "oversized"}


@pytest.mark.realdata
def test_the_time_limit_bounds_explanations_too(nblr_run):
    import time

    live = make_server(Predictor(nblr_run), port=0, time_limit=1.0)
    thread = threading.Thread(target=live.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.perf_counter()
        status, reply = post(f"http://127.0.0.1:{live.server_port}/predict",
                             json.dumps({"text": "정말 재밌는 영화 배우 연기 최고 " * 40_000,
                                         "explain": True}, ensure_ascii=False).encode())
        assert status == 503 and "took over 1 s" in reply["error"]
        assert time.perf_counter() - started < 5
    finally:
        live.shutdown()
        live.server_close()


def raw_request(url: str, method: str, body: bytes | None = None,
                content_type: str = "application/json") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.realdata
def test_only_json_bodies_and_405_says_allow(server):
    status, _, body = raw_request(f"{server}/predict", "POST", b'{"text": "good"}',
                                  "text/plain")
    assert status == 415 and b"application/json" in body
    status, headers, _ = raw_request(f"{server}/predict", "GET")
    assert status == 405 and headers.get("allow") == "POST"
    status, _, page = raw_request(f"{server}/docs", "GET")
    assert status == 200 and b"cdn" not in page.lower() and b"/static-offline-docs/" in page
    status, _, script = raw_request(f"{server}/static-offline-docs/swagger-ui-bundle.js", "GET")
    assert status == 200 and len(script) > 100_000


@pytest.mark.realdata
def test_a_half_sent_body_times_out(server, monkeypatch):
    import socket
    from urllib.parse import urlsplit

    from hansenti.inference import serve

    monkeypatch.setattr(serve, "BODY_SECONDS", 1.0)
    address = urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as client:
        client.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                       b"\r\nContent-Length: 100\r\n\r\n{\"text\": ")
        reply = client.recv(4096)
    assert reply.startswith(b"HTTP/1.1 408")


@pytest.mark.realdata
def test_schemathesis_finds_nothing(server, tmp_path):
    """Every check schemathesis has, on examples it generates from the OpenAPI document
    (positive and negative), bounded in count."""
    import os
    import subprocess
    import sys

    st = os.path.join(os.path.dirname(sys.executable), "st")
    if not os.path.exists(st):
        pytest.skip("schemathesis is not installed (hansenti[test])")
    result = subprocess.run([st, "run", f"{server}/openapi.json", "--checks", "all",
                             "--max-examples", "40", "--seed", "1", "--no-color"],
                            capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "No issues found" in result.stdout
