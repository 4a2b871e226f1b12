"""Sessions, CSRF tokens and the security headers of every response.

A session is a signed cookie (``itsdangerous``, HMAC-SHA256 over the payload, with a
timestamp): the user's name and the session's CSRF token, nothing secret. The cookie
is HttpOnly and SameSite=Strict (Secure over TLS); it expires after ``SESSION_HOURS``.
Each request looks the user up again, so a removed account or a changed role takes
effect at once.

State-changing requests carry the session's CSRF token (a form field ``csrf`` or the
header ``X-CSRF-Token``), compared in constant time. The login form, before any
session, carries a token bound to a separate signed cookie (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "gf_session"
LOGIN_COOKIE = "gf_login"
SESSION_HOURS = 12

#: The one style element the vendored Cytoscape.js adds to a page (its container's
#: ``position: relative``), allowed by its digest and nothing else inline.
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
#: Scripts, styles, images and requests only from this server; no inline script or
#: style (but the digest above), no plugins, no framing, forms post only here.
CSP = ("default-src 'none'; script-src 'self'; "
       f"style-src 'self' {CYTOSCAPE_STYLE}; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")

SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    #: A digest of the account's password hash when the session began: a changed
    #: password ends every session of the account.
    stamp: str


class Sessions:
    """Signs and reads session and login cookies with one secret key."""

    def __init__(self, secret: bytes, *, secure: bool) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="graphfraud.session")
        self._login = URLSafeTimedSerializer(secret, salt="graphfraud.login")
        self.secure = secure

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._session.loads(raw, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        user, csrf, stamp = data.get("u"), data.get("c"), data.get("s")
        if not all(isinstance(v, str) for v in (user, csrf, stamp)):
            return None
        return Session(str(user), str(csrf), str(stamp))

    def start(self, response: Response, user: str, stamp: str) -> None:
        token = self._session.dumps({"u": user, "c": secrets.token_urlsafe(32), "s": stamp})
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600,
                            httponly=True, samesite="strict", secure=self.secure, path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/")

    def end(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                               secure=self.secure)

    def login_token(self, request: Request) -> tuple[str, str | None]:
        """The login form's token: the one the login cookie holds, or a new one with
        the cookie value to set (None when the cookie is already there)."""
        nonce = self._login_nonce(request)
        if nonce is not None:
            return nonce, None
        nonce = secrets.token_urlsafe(24)
        return nonce, self._login.dumps(nonce)

    def set_login_cookie(self, response: Response, value: str) -> None:
        response.set_cookie(LOGIN_COOKIE, value, max_age=3600, httponly=True,
                            samesite="strict", secure=self.secure, path="/")

    def login_token_ok(self, request: Request, given: str) -> bool:
        nonce = self._login_nonce(request)
        return nonce is not None and same(nonce, given)

    def _login_nonce(self, request: Request) -> str | None:
        raw = request.cookies.get(LOGIN_COOKIE)
        if not raw:
            return None
        try:
            nonce = self._login.loads(raw, max_age=3600)
        except BadSignature:
            return None
        return nonce if isinstance(nonce, str) else None


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(a.encode(), b.encode())


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response, and no caching of
    anything but the static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = [
                    (k, v) for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                headers.extend(SECURITY_HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: The largest request body taken (forms here are a decision and a note).
MAX_BODY = 64 * 1024


class BodyLimit:
    """ASGI middleware: a request with a body must say its length (411 otherwise:
    browsers always do for forms), and that length may not exceed :data:`MAX_BODY`
    bytes (413). Nothing is read before the check."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" in headers:
            await _refuse(send, 411, b"say the body's length (Content-Length)\n")
            return
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _refuse(send, 413, b"request body too large\n")
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"cache-control", b"no-store"), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": text})
