"""Server-rendered HTML for the browser flow: Jinja2 templates with autoescaping, and the security
headers every page and every redirect of the flow carries."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.responses import HTMLResponse, RedirectResponse

FORMS_POST_HERE = "'self'"
NO_FORMS = "'none'"


def security_headers(style_nonce: str | None = None, form_action: str | None = None) -> dict[str, str]:
    """Headers for every response of the browser flow.

    `form_action` is left out of the CSP for the login and consent pages on purpose: browsers apply
    `form-action` to the redirects that follow a form submission, and those pages' forms end in a
    redirect to the client's redirect URI, whatever its origin or scheme."""
    directives = ["default-src 'none'"]
    if style_nonce is not None:
        directives.append(f"style-src 'nonce-{style_nonce}'")
    directives += ["img-src 'self'", "base-uri 'none'", "frame-ancestors 'none'"]
    if form_action is not None:
        directives.append(f"form-action {form_action}")
    return {
        "Content-Security-Policy": "; ".join(directives),
        "X-Frame-Options": "DENY",
        # The URLs of this flow carry state, PKCE challenges and codes: never hand them on.
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }


def redirect(url: str, status_code: int) -> RedirectResponse:
    return RedirectResponse(url, status_code=status_code, headers=security_headers(form_action=NO_FORMS))


class Pages:
    def __init__(self, server_name: str, public_url: str) -> None:
        self._environment = Environment(
            loader=PackageLoader("remotemcp.app", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._globals = {"server_name": server_name, "public_url": public_url}

    def render(
        self,
        template: str,
        context: Mapping[str, Any],
        *,
        status_code: int = 200,
        form_action: str | None = NO_FORMS,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        html = self._environment.get_template(template).render(
            {**self._globals, **context, "csp_nonce": nonce}
        )
        all_headers = security_headers(nonce, form_action)
        all_headers.update(headers or {})
        return HTMLResponse(html, status_code=status_code, headers=all_headers)

    def error(self, title: str, message: str, status_code: int = 400) -> HTMLResponse:
        return self.render("error.html", {"title": title, "message": message}, status_code=status_code)
