"""The HTTP layer of ``graphfraud serve``: sign-in, roles, CSRF, headers, escaping.

These tests run the app against a small in-memory backend (the pages' data); the
integration test (tests/integration/test_serve_neo4j.py) and the browser test run it
against a real Neo4j server.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from graphfraud import palette
from graphfraud.errors import UsageError
from graphfraud.store.cases import QueueFilter, QueuePage
from graphfraud.store.verdicts import Recorded, Target
from graphfraud.web.accounts import LoginLimiter, UserStore
from graphfraud.web.app import Config, create_app
from graphfraud.web.session import CSP

starlette_testclient = pytest.importorskip("starlette.testclient")

EVIL = '<script>alert("x")</script>'
EVIL_NAME = '<img src=x onerror=alert(1)>"\''
PASSWORD = "correct horse battery"


class MemoryBackend:
    """The pages' data in memory; records what the app asked it to write."""

    def __init__(self) -> None:
        self.healthy = True
        self.recorded: list[tuple[str, str, str, str, bool]] = []
        self.assigned: list[tuple[str, str, str]] = []
        self.filters: list[QueueFilter] = []
        member = {"kind": "merchant", "id": "m/1?#", "name": EVIL_NAME, "status": "banned",
                  "verdict": "fraud", "verdict_source": "export", "marks": ["blacklisted"],
                  "gmv": 1200.0, "orders": 30, "score": 0.9}
        self.rings = {
            "R-1": {"ring_id": "R-1", "score": 0.91, "risk": "high", "previous_risk": "low",
                    "pattern": "device_farm", "change": "risk changed", "previous_members": 2,
                    "alert": "risk rose from low to high", "assignee": None,
                    "evidence": ["3 shops share 2 phones"],
                    "reasons": [], "known_fraud": 1, "known_legit": 0, "joined": [], "left": [],
                    "members": [member, {**member, "id": "m2", "name": "Shop 2", "marks": [],
                                         "status": None, "verdict": None}],
                    "shared": [{"kind": "device", "id": EVIL, "members": 2, "users": 900,
                                "hub": True}],
                    "verdicts": [{"verdict_id": "V-1", "decision": "needs-info",
                                  "analyst": EVIL_NAME, "at": "2026-12-01T10:00:00+00:00",
                                  "note": EVIL, "members": 2}],
                    "assignments": []},
            EVIL: {"ring_id": EVIL, "score": 0.4, "risk": "medium", "previous_risk": None,
                   "pattern": "mixed", "change": "new", "previous_members": None, "alert": None,
                   "assignee": None, "evidence": [EVIL], "reasons": [], "known_fraud": 0,
                   "known_legit": 0, "members": [], "shared": [], "verdicts": [],
                   "assignments": [], "joined": [], "left": []},
        }

    def ping(self) -> bool:
        return self.healthy

    def queue(self, f: QueueFilter) -> QueuePage:
        self.filters.append(f)
        rows = [{"ring_id": r["ring_id"], "score": r["score"], "risk": r["risk"],
                 "previous_risk": r["previous_risk"], "pattern": r["pattern"],
                 "members": len(r["members"]), "previous_members": r["previous_members"],
                 "change": r["change"], "alert": r["alert"], "verdict": None,
                 "verdict_by": None, "verdict_at": None, "assignee": None,
                 "names": [m["name"] for m in r["members"]][:3], "gmv": 10.0}
                for r in self.rings.values()]
        return QueuePage(run={"run_id": "run-1", "generated_at": "2026-12-05T08:00:00",
                              "previous_run_id": None}, total=len(rows), rows=rows)

    def ring(self, ring_id: str) -> dict[str, Any] | None:
        return self.rings.get(ring_id)

    def ring_graph(self, ring_id: str) -> dict[str, Any]:
        return {"nodes": [{"id": "merchant:m2", "kind": "merchant", "label": EVIL_NAME,
                           "marks": [], "hub": False}], "edges": []}

    def expand(self, kind: str, node_id: str) -> dict[str, Any]:
        return {"nodes": [], "edges": [], "truncated": False}

    def member(self, kind: str, actor_id: str) -> dict[str, Any] | None:
        if actor_id != "m/1?#":
            return None
        return {"kind": kind, "id": actor_id, "name": EVIL_NAME, "status": "banned",
                "registered_at": None, "gmv": 1.0, "orders": 1, "verdict": "fraud",
                "verdict_source": "export", "marks": ["blacklisted", "banned"],
                "rings": [{"run_id": "run-1", "generated_at": "2026-12-05", "ring_id": EVIL,
                           "risk": "medium", "score": 0.4}],
                "history": [{"at": None, "decision": "label", "label": "fraud",
                             "source": EVIL, "note": None, "analyst": None, "via_ring": None}],
                "identifiers": []}

    def record(self, target: str, decision: str, *, note: str, analyst: str,
               clear_blacklisted: bool) -> Recorded:
        self.recorded.append((target, decision, note, analyst, clear_blacklisted))
        return Recorded("V-2", Target("ring", target), decision, "fraud", analyst, "now", 2)

    def assign(self, ring_id: str, assignee: str, *, by: str, note: str) -> dict[str, Any]:
        self.assigned.append((ring_id, assignee, by))
        return {}

    def analysts(self) -> list[str]:
        return ["ana"]

    def close(self) -> None:
        pass


@pytest.fixture
def world(tmp_path: Path) -> tuple[Any, MemoryBackend, UserStore]:
    users = UserStore(tmp_path / "users.json",
                      hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    users.add("ana", "analyst", PASSWORD)
    users.add("vic", "viewer", PASSWORD)
    users.add("lee", "lead", PASSWORD)
    backend = MemoryBackend()
    app = create_app(Config(backend=backend, users=users, secret=b"k" * 32,
                            limiter=LoginLimiter(attempts=3, window_s=60)))
    return app, backend, users


def client(app: Any) -> Any:
    return starlette_testclient.TestClient(app, base_url="http://127.0.0.1",
                                           follow_redirects=False)


def sign_in(c: Any, name: str, password: str = PASSWORD) -> Any:
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, page.text
    return c.post("/login", data={"username": name, "password": password,
                                  "csrf": token.group(1), "next": "/rings/R-1"})


def csrf_of(c: Any, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert found
    return found.group(1)


def test_healthz_needs_no_login_and_follows_neo4j(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    assert c.get("/healthz").status_code == 200
    backend.healthy = False
    assert c.get("/healthz").status_code == 503


@pytest.mark.parametrize("path", ["/", "/rings/R-1", "/members/merchant/m2", "/?risk=high"])
def test_pages_need_a_login(world: Any, path: str) -> None:
    r = client(world[0]).get(path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", ["/api/queue", "/api/rings/R-1/graph",
                                  "/api/expand?node=merchant:m2"])
def test_api_needs_a_login(world: Any, path: str) -> None:
    r = client(world[0]).get(path)
    assert r.status_code == 401
    assert r.json() == {"error": "sign in first"}


def test_sign_in_sets_a_strict_httponly_cookie_and_goes_on(world: Any) -> None:
    c = client(world[0])
    r = sign_in(c, "ana")
    assert r.status_code == 303
    assert r.headers["location"] == "/rings/R-1"
    cookie = next(v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith("gf_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert c.get("/").status_code == 200
    assert c.get("/api/queue").json()["total"] == 2


def test_wrong_password_and_a_missing_form_token_are_refused(world: Any) -> None:
    c = client(world[0])
    assert sign_in(c, "ana", "wrong password!").status_code == 401
    assert c.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 403
    assert c.get("/").status_code == 303  # still signed out


def test_sign_in_attempts_are_rate_limited(world: Any) -> None:
    c = client(world[0])
    for _ in range(3):
        assert sign_in(c, "ana", "wrong password!").status_code == 401
    limited = sign_in(c, "ana")  # the right password, too late
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert sign_in(c, "lee").status_code == 303  # another account from the same place


def test_every_response_has_a_strict_csp(world: Any) -> None:
    c = client(world[0])
    responses = [c.get("/login"), c.get("/healthz"), c.get("/static/case.js"),
                 c.get("/palette.css"), c.get("/"), c.get("/api/queue")]
    sign_in(c, "ana")
    responses += [c.get("/"), c.get("/rings/R-1"), c.get("/rings/nope"), c.get("/?sort=evil")]
    for r in responses:
        assert r.headers["content-security-policy"] == CSP, r.url
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert responses[-2].status_code == 404
    assert responses[-1].status_code == 400


def test_viewers_cannot_record_verdicts(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "vic")
    token = csrf_of(c)
    r = c.post("/rings/R-1/verdict", data={"decision": "confirm", "note": "x", "csrf": token})
    assert r.status_code == 403
    assert c.post("/rings/R-1/assign", data={"assignee": "ana", "csrf": token}).status_code == 403
    assert backend.recorded == [] and backend.assigned == []
    assert "Record decision" not in c.get("/rings/R-1").text


def test_state_changes_need_the_session_csrf_token(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "ana")
    r = c.post("/rings/R-1/verdict", data={"decision": "needs-info", "note": "why"})
    assert r.status_code == 403
    r = c.post("/rings/R-1/verdict", data={"decision": "needs-info", "note": "why",
                                           "csrf": "forged"})
    assert r.status_code == 403
    assert backend.recorded == []
    r = c.post("/rings/R-1/verdict", data={"decision": "needs-info", "note": "why",
                                           "csrf": csrf_of(c)})
    assert r.status_code == 303
    assert backend.recorded == [("R-1", "needs-info", "why", "ana", False)]


def test_a_dismissal_clearing_blacklisted_members_asks_first(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "ana")
    token = csrf_of(c)
    r = c.post("/rings/R-1/verdict", data={"decision": "dismiss", "note": "franchise",
                                           "csrf": token})
    assert r.status_code == 409
    assert 'id="clear-blacklisted"' in r.text and "franchise" in r.text
    assert backend.recorded == []
    r = c.post("/rings/R-1/verdict", data={"decision": "dismiss", "note": "franchise",
                                           "clear_blacklisted": "yes", "csrf": token})
    assert r.status_code == 303
    assert backend.recorded == [("R-1", "dismiss", "franchise", "ana", True)]


def test_a_verdict_needs_a_note_and_a_known_decision(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "ana")
    token = csrf_of(c)
    assert c.post("/rings/R-1/verdict", data={"decision": "confirm", "note": " ",
                                              "csrf": token}).status_code == 400
    assert c.post("/rings/R-1/verdict", data={"decision": "delete", "note": "x",
                                              "csrf": token}).status_code == 400
    assert backend.recorded == []


def test_a_store_refusal_records_nothing_and_says_so(world: Any) -> None:
    app, backend, _ = world

    def refuse(*args: Any, **kwargs: Any) -> Recorded:
        raise UsageError("no ring")

    backend.record = refuse  # type: ignore[method-assign]
    c = client(app)
    sign_in(c, "ana")
    r = c.post("/rings/R-1/verdict", data={"decision": "confirm", "note": "x",
                                           "csrf": csrf_of(c)})
    assert r.status_code == 409
    assert "nothing was recorded" in r.text


def test_assignments_go_to_analysts_only(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "lee")
    token = csrf_of(c)
    assert c.post("/rings/R-1/assign", data={"assignee": "vic", "csrf": token}).status_code == 400
    assert c.post("/rings/R-1/assign", data={"assignee": "ana", "csrf": token}).status_code == 303
    assert backend.assigned == [("R-1", "ana", "lee")]


def test_hostile_ids_and_names_cannot_run_script(world: Any) -> None:
    app, _, _ = world
    c = client(app)
    sign_in(c, "ana")
    pages = [c.get("/"), c.get("/rings/R-1"), c.get("/rings/" + EVIL.replace("/", "%2F")),
             c.get("/members/merchant/m%2F1%3F%23"), c.get("/?q=" + EVIL)]
    for page in pages:
        assert page.status_code == 200, page.url
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert all(re.fullmatch(r'<script src="/static/[\w/.]+">', s) for s in scripts)
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1].text
    assert 'href="/members/merchant/m%2F1%3F%23"' in pages[1].text


def test_sign_in_goes_only_to_local_pages(world: Any) -> None:
    c = client(world[0])
    page = c.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf": token,
                               "next": "//evil.example/x"})
    assert r.headers["location"] == "/"
    assert c.get("/lang/zh?next=https://evil.example").headers["location"] == "/"


def test_a_removed_account_loses_its_session(world: Any) -> None:
    app, _, users = world
    c = client(app)
    sign_in(c, "ana")
    assert c.get("/").status_code == 200
    users.remove("ana")
    assert c.get("/").status_code == 303


def test_bad_filters_are_a_clear_400(world: Any) -> None:
    c = client(world[0])
    sign_in(c, "ana")
    for query in ("risk=extreme", "sort=drop", "per_page=7", "page=x", "changed_since=soon",
                  "verdict=maybe"):
        r = c.get("/?" + query)
        assert r.status_code == 400, query
    r = c.get("/api/queue?risk=extreme")
    assert r.status_code == 400 and "risk" in r.json()["error"]


def test_queue_filters_reach_the_store(world: Any) -> None:
    app, backend, _ = world
    c = client(app)
    sign_in(c, "ana")
    c.get("/?risk=high&risk=medium&verdict=none&assignee=&q=Shop&sort=gmv&dir=asc&page=2"
          "&per_page=25&changed_since=2026-12-01")
    f = backend.filters[-1]
    assert f.risk == ("high", "medium") and f.verdict == "none" and f.assignee == ""
    assert (f.search, f.sort, f.descending, f.page, f.per_page) == ("Shop", "gmv", False, 2, 25)
    assert f.changed_since == "2026-12-01"


def test_pages_speak_chinese(world: Any) -> None:
    c = client(world[0])
    sign_in(c, "ana")
    c.cookies.set("gf_lang", "zh")
    queue = c.get("/").text
    ring = c.get("/rings/R-1").text
    assert "待审团伙" in queue and "共 2 个团伙" in queue
    for english in ("Rings to review", "Decision", "Assignee", "Per page", "Search"):
        assert f">{english}<" not in queue and f">{english} " not in queue
    for english in ("Evidence", "Members", "Record decision", "History", "Expand one hop"):
        assert english not in ring
    assert "展开一跳" in ring and "记录处理" in ring
    assert "风险从低升至高" in ring and "risk rose" not in ring


def test_the_palette_is_the_reports(world: Any) -> None:
    c = client(world[0])
    css = c.get("/palette.css").text
    assert palette.KINDS["merchant"].fill in css and palette.RISKS["high"].fill in css
    assert f".badge.mark-banned {{ border: 2px dashed {palette.MARKS['banned'].colour}; }}" in css


def test_the_vendored_graph_library_is_the_one_recorded() -> None:
    from graphfraud.web import app as web_app

    vendor = Path(web_app.__file__).parent / "static" / "vendor"
    digest = hashlib.sha256((vendor / "cytoscape.min.js").read_bytes()).hexdigest()
    assert digest == "71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94"
    assert "MIT" in (vendor / "README.md").read_text() or "Permission is hereby granted" in (
        vendor / "cytoscape.LICENSE.txt").read_text()
    assert digest in (vendor / "README.md").read_text()


def test_simultaneous_sign_in_attempts_are_counted_before_the_hash_check(world: Any) -> None:
    import concurrent.futures

    app, _, _ = world
    c = client(app)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
    cookies = dict(c.cookies)

    def attempt(_: int) -> int:
        other = client(app)
        other.cookies.update(cookies)
        return int(other.post("/login", data={"username": "ana", "password": "wrong one!!",
                                               "csrf": token}).status_code)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(12)))
    assert codes.count(401) == 3  # the limiter's 3 attempts, however they interleave
    assert codes.count(429) == 9


def test_large_or_unsized_bodies_are_refused_before_reading(world: Any) -> None:
    c = client(world[0])
    r = c.post("/login", content=b"x" * (70 * 1024),
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert r.headers["content-security-policy"] == CSP

    def chunks() -> Any:
        yield b"username=ana"

    r = c.post("/login", content=chunks(),
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 411


def test_forms_take_no_files(world: Any) -> None:
    c = client(world[0])
    r = c.post("/login", files={"upload": ("a.bin", b"x" * 1000)})
    assert r.status_code in (400, 403)  # refused by the form parser or the token check


def test_a_server_error_page_still_has_the_headers(world: Any) -> None:
    app, backend, _ = world

    def broken(ring_id: str) -> dict[str, Any]:
        raise RuntimeError("the database said something internal")

    backend.ring = broken  # type: ignore[method-assign]
    c = starlette_testclient.TestClient(app, base_url="http://127.0.0.1",
                                        follow_redirects=False, raise_server_exceptions=False)
    sign_in(c, "ana")
    r = c.get("/rings/R-1")
    assert r.status_code == 500
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["cache-control"] == "no-store"
    assert "said something internal" not in r.text


def test_a_changed_password_ends_the_accounts_sessions(world: Any) -> None:
    app, _, users = world
    c = client(app)
    sign_in(c, "ana")
    assert c.get("/").status_code == 200
    users.set_password("ana", "another long password")
    assert c.get("/").status_code == 303


def test_member_and_node_kinds_are_checked(world: Any) -> None:
    c = client(world[0])
    sign_in(c, "ana")
    assert c.get("/members/device/d1").status_code == 404
    assert c.get("/members/ring/R-1").status_code == 404
    assert c.get("/api/expand?node=ring:R-1").status_code == 400
    assert c.get("/api/expand?node=merchant:m2").status_code == 200
