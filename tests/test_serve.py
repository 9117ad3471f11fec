"""The HTTP service against a live server, and its page in headless Chromium."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request

import pytest

from hansenti.run import Predictor
from hansenti.serve import make_server

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
    (b'{"texts": []}', "non-empty list of strings"),
    (b'{"texts": [1, 2]}', "non-empty list of strings"),
    (b'["a"]', "send a JSON object"),
    (json.dumps({"texts": ["a"] * 1001}).encode(), "at most 1000 texts"),
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
