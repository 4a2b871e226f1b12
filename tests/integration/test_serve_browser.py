"""`graphfraud serve` end to end in a real browser (Debian's chromium + chromedriver)
against the real test Neo4j server: an analyst signs in, filters the queue, opens a
ring, expands a node in its graph, records a dismissal with a reason and finds it in
the queue and in `query ring_detail`; a viewer is refused. Nothing is downloaded: the
browser and its driver are the system's (scripts/test.sh installs them).

With GRAPHFRAUD_SCREENSHOTS=DIR the test also saves the user guide's screenshots there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.cli import cli

pytestmark = [pytest.mark.neo4j, pytest.mark.slow, pytest.mark.browser]

PASSWORD = "a long test password"
XSS_NAME = '<img src=x onerror="window.__xss=1">'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(settings: Any, users: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"NEO4J_URI": settings.uri, "NEO4J_PASSWORD": settings.password,
                "GRAPHFRAUD_USERS": str(users), "GRAPHFRAUD_ANALYST": "batch"})
    return env


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           neo4j_settings: Any) -> Iterator[dict[str, Any]]:
    """A batch run in Neo4j (two runs, so there are changes), accounts, and the server."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required (scripts/test.sh installs them)")
        pytest.skip("chromium or chromedriver is not installed")
    from graphfraud.synth import SynthConfig, generate

    base = tmp_path_factory.mktemp("serve")
    users = base / "conf" / "users.json"
    env = _env(neo4j_settings, users)
    runner = CliRunner()
    with neo4j_settings.driver() as driver:  # the test server's database is ours to wipe
        driver.execute_query("MATCH (n) DETACH DELETE n", database_=neo4j_settings.database)
    exports = base / "exports"
    generate(exports / "2026-01-01", SynthConfig(scale=0.2, seed=91))
    (exports / "2026-01-01" / "ground_truth.json").unlink()
    for day in ("2026-01-01", "2026-01-02"):
        if day == "2026-01-02":
            shutil.copytree(exports / "2026-01-01", exports / day)
        result = runner.invoke(cli, ["batch", str(exports), "--runs", str(base / "runs"), "-q"],
                               env=env)
        assert result.exit_code == 0, result.output + result.stderr
    for name, role in (("ana", "analyst"), ("vic", "viewer")):
        added = runner.invoke(cli, ["users", "add", name, "--role", role, "--password-stdin"],
                              input=PASSWORD + "\n", env=env)
        assert added.exit_code == 0, added.output + added.stderr
    report = json.loads((base / "runs" / (base / "runs" / "LATEST").read_text().strip()
                         / "rings.json").read_text())
    ring = next(r for r in report["rings"] if r["risk"] == "high"
                and any(m["type"] == "merchant" for m in r["members"]))
    shop = next(m["id"] for m in ring["members"] if m["type"] == "merchant")
    with neo4j_settings.driver() as driver:  # a hostile shop name, as an export may hold
        driver.execute_query("MATCH (m:Merchant {merchant_id: $id}) SET m.name = $name",
                             id=shop, name=XSS_NAME, database_=neo4j_settings.database)
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("graphfraud")), "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail("graphfraud serve did not start: " + (server.stdout.read()
                                                             if server.stdout else ""))
        time.sleep(0.3)
    try:
        yield {"url": url, "ring": ring, "env": env, "shop": shop}
    finally:
        server.terminate()
        server.wait(timeout=20)
        if server.stdout:
            server.stdout.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1440,1100", "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: Any, check: Any, timeout: float = 20.0) -> Any:
    """Wait for ``check``; on a timeout, fail with the page's address and console."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout).until(check)
    except TimeoutException:
        console = [e["message"] for e in driver.get_log("browser")]
        pytest.fail(f"timed out at {driver.current_url}; console: {console}")


def _sign_in(driver: Any, url: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url + "/")
    _wait(driver, lambda d: "/login" in d.current_url)
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "signin").click()
    _wait(driver, lambda d: d.find_elements(By.ID, "queue"))


def _shoot(driver: Any, name: str) -> None:
    folder = os.environ.get("GRAPHFRAUD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / name))


def _csp_errors(driver: Any) -> list[str]:
    """Policy violations and script errors in the console (a 409 answer to a refused
    form is expected, and not one of them)."""
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Uncaught" in e["message"]]


def test_an_analysts_day(served: dict[str, Any], browser: Any, neo4j_settings: Any) -> None:
    from selenium.webdriver.common.by import By

    url, ring_id = served["url"], served["ring"]["ring_id"]
    _sign_in(browser, url, "ana")
    assert browser.find_element(By.ID, "who").text.startswith("ana")
    # filter the queue: high rings only, no decision yet
    high = browser.find_element(By.CSS_SELECTOR, "input[name=risk][value=high]")
    high.click()
    browser.find_element(By.CSS_SELECTOR, "#f-verdict option[value=none]").click()
    browser.find_element(By.ID, "apply").click()
    _wait(browser, lambda d: "risk=high" in d.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr[data-ring]")
    assert rows and all("risk-high" in r.get_attribute("innerHTML") for r in rows)
    assert ring_id in [r.get_attribute("data-ring") for r in rows]
    _shoot(browser, "serve-queue.png")
    # open the ring
    browser.find_element(By.LINK_TEXT, ring_id).click()
    _wait(browser, lambda d: d.find_element(By.ID, "graph").get_attribute("data-ready") == "1")
    assert browser.execute_script("return window.__xss") is None
    assert XSS_NAME in browser.find_element(By.ID, "members").text  # shown as text
    before = int(browser.find_element(By.ID, "graph").get_attribute("data-nodes"))
    assert before >= len(served["ring"]["members"])
    # expand one hop from a shop of the ring (select it as a click would)
    browser.execute_script(
        "var cy = window.graphfraudGraph; cy.getElementById(arguments[0]).emit('tap');",
        f"merchant:{served['shop']}")
    expand = browser.find_element(By.ID, "g-expand")
    _wait(browser, lambda d: expand.is_enabled())
    expand.click()
    _wait(browser, lambda d: d.find_element(By.ID, "graph").get_attribute("data-expanded") == "1")
    after = int(browser.find_element(By.ID, "graph").get_attribute("data-nodes"))
    assert after >= before
    _shoot(browser, "serve-ring.png")
    # record a dismissal with a reason (confirming the clearing of blacklisted shops if asked)
    browser.find_element(By.CSS_SELECTOR, "input[name=decision][value=dismiss]").click()
    browser.find_element(By.ID, "note").send_keys("franchise <b>checked</b> licence 2291")
    browser.find_element(By.ID, "record").click()
    _wait(browser, lambda d: "done=verdict" in d.current_url or d.find_elements(By.ID,
                                                                               "clear-warning"))
    if browser.find_elements(By.ID, "clear-warning"):
        browser.find_element(By.ID, "clear-blacklisted").click()
        browser.find_element(By.ID, "record").click()
    _wait(browser, lambda d: "done=verdict" in d.current_url)
    history = browser.find_element(By.ID, "history").text
    assert "franchise <b>checked</b> licence 2291" in history and "ana" in history
    # the queue shows it under dismissed rings
    browser.get(url + "/?verdict=dismiss")
    dismissed = [r.get_attribute("data-ring") for r in
                 browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr[data-ring]")]
    assert dismissed == [ring_id]
    assert not _csp_errors(browser), _csp_errors(browser)
    # and query ring_detail reads the same decision with who and why
    detail = CliRunner().invoke(cli, ["query", "ring_detail", "-p", f"ring_id={ring_id}",
                                      "--format", "json"], env=served["env"])
    assert detail.exit_code == 0, detail.output
    text = detail.output
    assert "franchise <b>checked</b> licence 2291" in text and "ana" in text and "dismiss" in text


def test_the_ring_in_chinese_and_a_members_page(served: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url, ring_id = served["url"], served["ring"]["ring_id"]
    _sign_in(browser, url, "ana")
    # the same ring in Chinese: the evidence is worded from the run's stored reasons
    browser.get(f"{url}/lang/zh?next=/rings/{ring_id}")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.evidence li"))
    lines = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ol.evidence li")]
    assert lines and all(any("\u4e00" <= c <= "\u9fff" for c in line) for line in lines), lines
    _shoot(browser, "serve-ring-zh.png")
    # a member's page: its rings over time and its labels
    browser.get(f"{url}/members/merchant/{served['shop']}")
    _wait(browser, lambda d: d.find_elements(By.ID, "member-id"))
    assert ring_id in browser.find_element(By.ID, "rings").text
    assert browser.execute_script("return window.__xss") is None
    assert not _csp_errors(browser), _csp_errors(browser)


def test_a_viewer_reads_but_cannot_decide(served: dict[str, Any], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    url, ring_id = served["url"], served["ring"]["ring_id"]
    _sign_in(browser, url, "vic")
    browser.get(f"{url}/rings/{ring_id}")
    _wait(browser, lambda d: d.find_elements(By.ID, "ring-id"))
    assert not browser.find_elements(By.ID, "verdict-form")
    token = browser.find_element(By.CSS_SELECTOR, "header input[name=csrf]").get_attribute("value")
    status = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var body = new FormData(); body.append('csrf', arguments[1]);"
        "body.append('decision', 'confirm'); body.append('note', 'x');"
        "fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin'})"
        ".then(function (r) { done(r.status); });",
        f"{url}/rings/{ring_id}/verdict", token)
    assert status == 403
