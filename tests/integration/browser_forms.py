"""Plays the browser in integration tests: reads the forms of the login and consent pages with the
standard library's HTML parser and submits them as a browser would (same cookies, an Origin header).

`sign_in_and_approve` drives a whole authorization (login, then consent if asked) and returns the
redirect to the client; end-to-end tests with a real OAuth client can hand it their authorize URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx2

MAX_STEPS = 5


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    """Inputs with a name (hidden, text, password), with their current values."""
    input_types: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    """(name, value) of the named submit buttons."""

    def submission(self, button: tuple[str, str] | None = None, **values: str) -> dict[str, str]:
        data = dict(self.fields)
        data.update(values)
        if button is not None:
            assert button in self.buttons, f"no button {button} in {self.buttons}"
            data[button[0]] = button[1]
        return data

    @property
    def asks_for_password(self) -> bool:
        return "password" in self.input_types.values()


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._button: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""), attributes.get("method", "get").lower()))
        elif tag == "input" and self.forms and "name" in attributes:
            form = self.forms[-1]
            form.fields[attributes["name"]] = attributes.get("value", "")
            form.input_types[attributes["name"]] = attributes.get("type", "text").lower()
        elif tag == "button" and self.forms and "name" in attributes:
            self.forms[-1].buttons.append((attributes["name"], attributes.get("value", "")))


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def only_form(html: str) -> Form:
    forms = parse_forms(html)
    assert len(forms) == 1, f"expected one form, found {len(forms)}"
    return forms[0]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def submit(
    client: httpx2.AsyncClient, form: Form, data: dict[str, str], headers: dict[str, str] | None = None
) -> httpx2.Response:
    """POST the form like a browser on the form's own origin would."""
    assert form.method == "post"
    sent = {"Origin": origin(form.action), "Sec-Fetch-Site": "same-origin"}
    sent.update(headers or {})
    return await client.post(form.action, data=data, headers=sent)


async def sign_in_and_approve(
    client: httpx2.AsyncClient, authorize_url: str, username: str, password: str
) -> str:
    """Open `authorize_url`, sign in when asked, approve when asked; return the Location of the
    redirect that ends the flow (to the client's redirect URI)."""
    response = await client.get(authorize_url)
    for _ in range(MAX_STEPS):
        if response.status_code in (302, 303):
            return response.headers["location"]
        assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
        form = only_form(response.text)
        if form.asks_for_password:
            response = await submit(client, form, form.submission(username=username, password=password))
        else:
            response = await submit(client, form, form.submission(("decision", "approve")))
    raise AssertionError("the authorization did not end in a redirect")
