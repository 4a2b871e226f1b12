"""``graphfraud serve``: the analysts' case pages over the Neo4j graph (an ASGI app).

Pages: the queue of the latest complete run's rings (``/``), a ring (``/rings/ID``),
a member (``/members/KIND/ID``), the login form. JSON: the queue, a ring's graph and a
node's neighbours (``/api/…``), and ``/healthz``. Every route but ``/healthz``,
``/login`` and the static files needs a signed-in user; recording a verdict or an
assignment needs the ``analyst`` or ``lead`` role and the session's CSRF token.

Pages are rendered on the server with autoescaping Jinja templates; the one script
(``static/case.js``) draws the ring graph with the vendored Cytoscape.js. Every
response carries a strict Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from graphfraud import palette
from graphfraud.errors import UsageError
from graphfraud.store.cases import ACTOR_TYPES, NODE_TYPES
from graphfraud.web.accounts import ROLES, LoginLimiter, User, UserStore
from graphfraud.web.backend import Backend
from graphfraud.web.pages import Pages, QueueQuery, palette_css, parse_queue
from graphfraud.web.session import Sessions, same

log = logging.getLogger("graphfraud.serve")
HERE = Path(__file__).parent
DECISIONS = ("confirm", "dismiss", "needs-info")
NOTE_MAX = 2000

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Config:
    backend: Backend
    users: UserStore
    secret: bytes
    secure_cookies: bool = False
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    ip_limiter: LoginLimiter = field(
        default_factory=lambda: LoginLimiter(attempts=30, window_s=300.0))


def rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1


def create_app(config: Config) -> ASGIApp:
    """The ASGI application (run it with uvicorn; ``graphfraud serve`` does)."""
    return CaseApp(config).asgi()


class CaseApp:
    """The routes, each a small method; the state they share (sessions, templates,
    backend) lives here."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.sessions = Sessions(config.secret, secure=config.secure_cookies)
        self.pages = Pages()
        self.backend = config.backend

    def asgi(self) -> ASGIApp:
        from graphfraud.web.session import BodyLimit, SecurityHeaders

        viewer, analyst = Role.VIEWER, Role.ANALYST
        routes = [
            Route("/healthz", self.healthz),
            Route("/palette.css", self.palette_sheet),
            Route("/favicon.ico", lambda request: Response(status_code=204)),
            Route("/login", self.login_form, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/lang/{lang}", self.set_language),
            Route("/", self.guarded(self.queue_page, viewer)),
            Route("/api/queue", self.guarded(self.queue_api, viewer, api=True)),
            Route("/api/rings/{ring_id:path}/graph",
                  self.guarded(self.ring_graph_api, viewer, api=True)),
            Route("/api/expand", self.guarded(self.expand_api, viewer, api=True)),
            Route("/rings/{ring_id:path}/verdict", self.guarded(self.verdict, analyst),
                  methods=["POST"]),
            Route("/rings/{ring_id:path}/assign", self.guarded(self.assign, analyst),
                  methods=["POST"]),
            Route("/rings/{ring_id:path}", self.guarded(self.ring_page, viewer)),
            Route("/members/{kind}/{actor_id:path}", self.guarded(self.member_page, viewer)),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        backend = self.backend

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            try:
                yield
            finally:
                backend.close()

        app = Starlette(routes=routes, lifespan=lifespan,
                        exception_handlers={HTTPException: self.error_page,
                                            Exception: self.error_page})
        # outermost, so even the error middleware's 500 pages carry the headers
        return BodyLimit(SecurityHeaders(app))

    # -- sign-in and the guard of every other route ------------------------------------

    def user_of(self, request: Request) -> tuple[User, str] | None:
        session = self.sessions.read(request)
        if session is None:
            return None
        user = self.config.users.get(session.user)
        if user is None or not same(session.stamp, self.config.users.stamp(user.name) or "-"):
            return None  # removed, or the password changed since this session began
        return user, session.csrf

    def guarded(self, handler: Handler, role: str, *, api: bool = False) -> Handler:
        """``handler`` for a signed-in user of at least ``role``; a POST also needs the
        session's CSRF token."""
        async def run(request: Request) -> Response:
            found = await run_in_threadpool(self.user_of, request)
            if found is None:
                if api:
                    return JSONResponse({"error": "sign in first"}, status_code=401)
                target = request.url.path + (f"?{request.url.query}"
                                             if request.url.query else "")
                return RedirectResponse("/login?" + urlencode({"next": target}), 303)
            user, csrf = found
            if rank(user.role) < rank(role):
                raise HTTPException(403, f"the {user.role} role cannot do this")
            if request.method == "POST":
                form = await read_form(request)
                given = str(form.get("csrf") or request.headers.get("x-csrf-token", ""))
                if not given or not same(given, csrf):
                    raise HTTPException(403, "the form's CSRF token is missing or stale: "
                                             "reload the page and try again")
            request.state.user = user
            request.state.csrf = csrf
            request.state.lang = language(request)
            return await handler(request)
        return run

    def render(self, request: Request, name: str, status: int = 200,
               **context: Any) -> Response:
        lang = getattr(request.state, "lang", None) or language(request)
        body = self.pages.render(name, lang=lang, user=getattr(request.state, "user", None),
                                 csrf=getattr(request.state, "csrf", ""),
                                 path=request.url.path, query=request.url.query, **context)
        return HTMLResponse(body, status_code=status)

    async def healthz(self, request: Request) -> Response:
        ok = await run_in_threadpool(self.backend.ping)
        return JSONResponse({"status": "ok" if ok else "neo4j unreachable"},
                            status_code=200 if ok else 503)

    async def palette_sheet(self, request: Request) -> Response:
        return Response(palette_css(), media_type="text/css")

    def login_page(self, request: Request, following: str, error: str = "",
                   status: int = 200) -> Response:
        token, cookie = self.sessions.login_token(request)
        response = self.render(request, "login.html.j2", status=status, next=following,
                               error=error, token=token)
        if cookie is not None:
            self.sessions.set_login_cookie(response, cookie)
        return response

    async def login_form(self, request: Request) -> Response:
        return self.login_page(request, safe_next(request.query_params.get("next")))

    async def login(self, request: Request) -> Response:
        form = await read_form(request)
        name = str(form.get("username") or "")[:64]
        password = str(form.get("password") or "")[:1024]
        following = safe_next(str(form.get("next") or ""))
        ip = request.client.host if request.client else "?"
        by_name, by_ip = f"{name}|{ip}", f"ip|{ip}"
        limiter, ip_limiter = self.config.limiter, self.config.ip_limiter
        if not self.sessions.login_token_ok(request, str(form.get("csrf") or "")):
            return self.login_page(request, following, "stale", 403)
        # counted before the (slow) hash check, so simultaneous attempts cannot all pass
        if not limiter.acquire(by_name) or not ip_limiter.acquire(by_ip):
            response = self.login_page(request, following, "limited", 429)
            response.headers["retry-after"] = str(max(limiter.retry_after(by_name),
                                                      ip_limiter.retry_after(by_ip), 1))
            return response
        user = await run_in_threadpool(self.config.users.verify, name, password)
        if user is None:
            log.warning("failed sign-in from %s", ip)
            return self.login_page(request, following, "wrong", 401)
        limiter.succeeded(by_name)
        response = RedirectResponse(following or "/", status_code=303)
        self.sessions.start(response, user.name, self.config.users.stamp(user.name) or "")
        return response

    async def logout(self, request: Request) -> Response:
        form = await read_form(request)
        session = self.sessions.read(request)
        response = RedirectResponse("/login", status_code=303)
        if session is not None and same(str(form.get("csrf") or ""), session.csrf):
            self.sessions.end(response)
        return response

    async def set_language(self, request: Request) -> Response:
        lang = request.path_params["lang"]
        response = RedirectResponse(safe_next(request.query_params.get("next")) or "/", 303)
        if lang in ("en", "zh"):
            response.set_cookie("gf_lang", lang, max_age=365 * 86400, samesite="strict",
                                httponly=True, secure=self.config.secure_cookies)
        return response

    # -- pages and JSON ----------------------------------------------------------------

    async def queue_page(self, request: Request) -> Response:
        query = parse_queue(request.query_params)
        found, analysts = await run_in_threadpool(_queue_and_analysts, self.backend, query)
        return self.render(request, "queue.html.j2", page=found, q=query, analysts=analysts)

    async def queue_api(self, request: Request) -> Response:
        query = parse_queue(request.query_params)
        found = await run_in_threadpool(self.backend.queue, query.filter)
        return json_response({"run": found.run, "total": found.total, "rows": found.rows})

    async def ring_page(self, request: Request) -> Response:
        case = await run_in_threadpool(self.backend.ring, request.path_params["ring_id"])
        if case is None:
            raise HTTPException(404, "no such ring")
        return self.ring_again(request, case)

    def ring_again(self, request: Request, case: dict[str, Any], *, status: int = 200,
                   error: str = "", form: dict[str, str] | None = None,
                   confirm_clear: int = 0) -> Response:
        """The ring page; after a refused decision, with the form as it was and what to
        fix."""
        analysts = [u.name for u in self.config.users.list()
                    if rank(u.role) >= rank(Role.ANALYST)]
        return self.render(request, "ring.html.j2", status=status, ring=case,
                           analysts=analysts, palette_json=json.dumps(palette.as_dict()),
                           done=request.query_params.get("done", "") if not error else "",
                           error=error, confirm_clear=confirm_clear, form=form or {})

    async def ring_graph_api(self, request: Request) -> Response:
        graph = await run_in_threadpool(self.backend.ring_graph,
                                        request.path_params["ring_id"])
        return json_response(graph)

    async def expand_api(self, request: Request) -> Response:
        kind, sep, node_id = request.query_params.get("node", "").partition(":")
        if not sep or not node_id or kind not in NODE_TYPES:
            return JSONResponse({"error": "node must be KIND:ID"}, status_code=400)
        return json_response(await run_in_threadpool(self.backend.expand, kind, node_id))

    async def member_page(self, request: Request) -> Response:
        kind, actor_id = request.path_params["kind"], request.path_params["actor_id"]
        if kind not in ACTOR_TYPES:
            raise HTTPException(404, "no such kind of member")
        member = await run_in_threadpool(self.backend.member, kind, actor_id)
        if member is None:
            raise HTTPException(404, "no such member")
        return self.render(request, "member.html.j2", member=member)

    # -- decisions ---------------------------------------------------------------------

    async def verdict(self, request: Request) -> Response:
        ring_id = request.path_params["ring_id"]
        form = await read_form(request)
        decision = str(form.get("decision") or "")
        note = str(form.get("note") or "").strip()[:NOTE_MAX]
        clear = form.get("clear_blacklisted") == "yes"
        case = await run_in_threadpool(self.backend.ring, ring_id)
        if case is None:
            raise HTTPException(404, "no such ring")
        kept = {"decision": decision, "note": note}
        if decision not in DECISIONS or not note:
            return self.ring_again(request, case, status=400, form=kept,
                                   error="decision" if decision not in DECISIONS else "note")
        listed = [m for m in case.get("members", []) if "blacklisted" in m.get("marks", [])]
        if decision == "dismiss" and listed and not clear:
            return self.ring_again(request, case, status=409, form=kept, error="clear",
                                   confirm_clear=len(listed))
        analyst = request.state.user.name
        try:
            await run_in_threadpool(lambda: self.backend.record(
                ring_id, decision, note=note, analyst=analyst, clear_blacklisted=clear))
        except UsageError as e:
            log.info("verdict refused: %s", e)
            return self.ring_again(request, case, status=409, form=kept, error="refused")
        return RedirectResponse(f"/rings/{quote(ring_id, safe='')}?done=verdict", 303)

    async def assign(self, request: Request) -> Response:
        ring_id = request.path_params["ring_id"]
        form = await read_form(request)
        assignee = str(form.get("assignee") or "").strip()
        note = str(form.get("note") or "").strip()[:NOTE_MAX]
        target = self.config.users.get(assignee) if assignee else None
        if assignee and (target is None or rank(target.role) < rank(Role.ANALYST)):
            raise HTTPException(400, "assign to an analyst or a lead")
        by = request.state.user.name
        try:
            await run_in_threadpool(lambda: self.backend.assign(ring_id, assignee, by=by,
                                                                note=note))
        except UsageError as e:
            log.info("assignment refused: %s", e)
            raise HTTPException(404, "no such ring") from None
        return RedirectResponse(f"/rings/{quote(ring_id, safe='')}?done=assigned", 303)

    async def error_page(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        if status == 500:
            log.error("error serving %s", request.url.path, exc_info=exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": detail}, status_code=status)
        return self.render(request, "error.html.j2", status=status, code=status,
                           detail=detail)


class Role:
    VIEWER = "viewer"
    ANALYST = "analyst"
    LEAD = "lead"


def json_response(data: Any) -> Response:
    """JSON of the store's rows (dates and the like as text)."""
    return Response(json.dumps(data, default=str, ensure_ascii=False),
                    media_type="application/json")


async def read_form(request: Request) -> Any:
    """The request's form, small: no files, a few fields, short values (a note is at
    most :data:`NOTE_MAX` characters)."""
    return await request.form(max_files=0, max_fields=20, max_part_size=16 * 1024)


def language(request: Request) -> str:
    """The reader's language: the cookie, else the browser's first choice."""
    chosen = request.cookies.get("gf_lang")
    if chosen in ("en", "zh"):
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (another site, a
    protocol-relative or backslashed address) is dropped."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return ""
    if any(ord(c) < 0x20 for c in value):
        return ""
    return value[:2000]


def _queue_and_analysts(backend: Backend, query: QueueQuery) -> tuple[Any, list[str]]:
    return backend.queue(query.filter), backend.analysts()
