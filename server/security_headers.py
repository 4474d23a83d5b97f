"""The one place that sets the security headers of every response: API, OpenRosa, OData,
exports, web pages, static files, router 404s and the 500s Starlette writes itself.

Only the web interface's own HTML pages may run our scripts and styles; every other response
(JSON, XML, CSV, files, images) gets a policy under which a browser runs nothing, even if it
was tricked into rendering it: `default-src 'none'; sandbox`. Whatever a device or a user sent
therefore cannot become active content on our origin, whatever type it is served as.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
STATIC_PREFIX = "/static/"

# Every response.
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Web pages link between themselves; anything else tells no one where it was read from (an
# app user's key sits in the path of every OpenRosa URL).
PAGE_REFERRER = "same-origin"
OTHER_REFERRER = "no-referrer"


class SecurityHeaders:
    """Wraps the whole application, outside Starlette's own error middleware, so no response
    leaves without these headers.

    - web pages (HTML outside /v1): PAGE_CSP, unless the page set its own;
    - everything else: DOCUMENT_CSP, always (a handler cannot loosen it);
    - `Cache-Control: no-store` on everything but static files (exports, OData, submissions,
      app users' tokens and QR codes hold personal data or secrets), which revalidate;
    - HSTS when the request came over HTTPS.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _secure(headers, path, https)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(headers: MutableHeaders, path: str, https: bool) -> None:
    for name, value in COMMON.items():
        headers[name] = value
    page = not path.startswith("/v1/") and headers.get("content-type", "").startswith("text/html")
    if page:
        headers.setdefault("Content-Security-Policy", PAGE_CSP)
        headers["Referrer-Policy"] = PAGE_REFERRER
    else:
        headers["Content-Security-Policy"] = DOCUMENT_CSP
        headers["Referrer-Policy"] = OTHER_REFERRER
    if path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-cache"  # revalidated by ETag: new code after an upgrade
    else:
        headers["Cache-Control"] = "no-store"
    if https:
        headers["Strict-Transport-Security"] = "max-age=31536000"
