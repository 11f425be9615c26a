"""Every page of a centre's host and of the portal, fed hostile input through the same code path a
browser takes (Django's test client, real PostgreSQL, the demo data).

The pages are found by crawling from each role's start page (links, htmx ``hx-get``s and forms),
so path parameters carry real ids; every URL pattern of both hosts is also requested with a
nonexistent and a malformed id. Then:

* GET: every query parameter a view reads (recorded while it runs, so a new parameter is swept
  without being listed here) gets values of the wrong type, out-of-range dates, invisible
  characters, NUL, very long and repeated values. No answer is a server error; a 4xx page is the
  product's own page (its layout, a Polish title), not Django's bare text.
* POST: every form found (case steps, decisions, contracts, care, the desk, retention, RODO,
  exports, accounts…) is sent with one field at a time replaced by a hostile value of its kind.
  No answer is a server error. A value the rules refuse (invisible or direction-changing
  characters, blank-looking text, over-long text, a year 9999 or 0001, a choice not offered, a
  number that is not one or out of any range) is refused with the error next to that field, and
  a refusal writes nothing. What is accepted is stored without the hostile characters.

Each POST runs in a savepoint rolled back afterwards, so every form is tried against the same
demo data; the failures are collected and reported together."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.handlers import wsgi
from django.db import connection, transaction
from django.http import HttpResponse, QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404

from opsplatform.text_rules import LONG_TEXT_MAX_LENGTH
from tenants.demo import DEMO_PASSWORD
from tests.conftest import host

pytestmark = pytest.mark.django_db

CENTRE = "myslenice"
CENTRE_URLCONF = "opsplatform.urls_tenant"
PORTAL_URLCONF = "opsplatform.urls_public"
CENTRE_ROLES = ("kierownik", "socjalny", "swiadczenia", "pierwszy.kontakt", "uslugi", "audytor")
PORTAL_ROLES = ("koordynator.malopolskie", "analityk")
# Addresses a crawler must not follow: they end the session or are no pages.
SKIPPED = re.compile(r"/(wyloguj[\w-]*|i18n|static|metrics|readyz|livez)(/|$)|^/api/")
# One example of each URL pattern per role is enough to reach every view.
EXAMPLES_PER_PATTERN = 1

# --- hostile values -----------------------------------------------------------------------------

NUL = "\x00"
ZERO_WIDTH = "\u200b"
RTL_OVERRIDE = "\u202e"
BOM = "\ufeff"
HOSTILE_CHARACTERS = (NUL, ZERO_WIDTH, RTL_OVERRIDE, BOM)
LONG_QUERY = "ą" * 3_000
QUERY_VALUES: tuple[str, ...] = (
    "abc",
    "-1",
    str(10**20),
    "9999-13",
    "2099-12-31",
    "9999-12-31",
    "0001-01-01",
    f"{ZERO_WIDTH}{RTL_OVERRIDE}1{BOM}",
    "   ",
    NUL,
    LONG_QUERY,
)
NONEXISTENT_ID = "00000000-0000-4000-8000-000000000000"
MALFORMED_IDS = ("not-a-uuid", "1", "%00", "a" * 300)


@dataclass(frozen=True)
class Hostile:
    """A value for one field and whether the rules must refuse it (error next to the field)."""

    value: str
    refused: bool


TEXT_VALUES = (
    Hostile(f"Ab{RTL_OVERRIDE}cd", refused=True),
    Hostile(f"{BOM}Anna", refused=True),
    Hostile(ZERO_WIDTH * 12, refused=False),  # blank: refused where required, empty elsewhere
    Hostile("x" * (LONG_TEXT_MAX_LENGTH + 1), refused=True),
)
DATE_VALUES = (
    Hostile("9999-12-31", refused=True),
    Hostile("0001-01-01", refused=True),
    Hostile("2024-02-30", refused=True),
)
NUMBER_VALUES = (
    Hostile("-1", refused=False),
    Hostile(str(10**20), refused=True),
    Hostile("abc", refused=True),
)
CHOICE_VALUES = (Hostile("xyz-not-offered", refused=True),)
# Fields a form reads only when a switch is on: swept with the switch on.
SWITCHED_ON_BY = {"dp_rho": {"use_dp": ["on"]}}
HIDDEN_VALUES = (Hostile("not-a-uuid", refused=False), Hostile("-1", refused=False))


def hostile_values(kind: str) -> tuple[Hostile, ...]:
    return {
        "text": TEXT_VALUES,
        "textarea": TEXT_VALUES,
        "date": DATE_VALUES,
        "number": NUMBER_VALUES,
        "select": CHOICE_VALUES,
        "radio": CHOICE_VALUES,
        "hidden": HIDDEN_VALUES,
    }.get(kind, ())


# --- crawling -----------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, value)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def data(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for name, kind, value in self.fields:
            # The signed-in user's own password, where a form asks for it again.
            values.setdefault(name, []).append(DEMO_PASSWORD if kind == "password" else value)
        return values

    def kinds(self) -> dict[str, str]:
        return {name: kind for name, kind, _value in self.fields}


class PageParser(HTMLParser):
    """The links, htmx GETs and POST forms of a page."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        for name in ("href", "hx-get"):
            if a.get(name):
                self.links.append(a[name])
        if tag == "form":
            method = a.get("method", "get").lower()
            action = a.get("hx-post") or a.get("action") or self.base
            self._form = Form(action=action) if method == "post" or "hx-post" in a else None
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                if kind == "submit" and a.get("value"):
                    self._form.fields.append((a["name"], "submit", a["value"]))
                return
            if kind in ("checkbox", "radio"):
                self._form.choices.setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" not in a:
                    if kind == "radio" and a["name"] not in self._form.kinds():
                        self._form.fields.append((a["name"], "radio", a.get("value", "")))
                    return
            if kind == "radio":
                self._form.fields = [f for f in self._form.fields if f[0] != a["name"]]
            kind = {"email": "text", "tel": "text", "search": "text", "password": "password"}.get(
                kind, kind
            )
            self._form.fields.append((a["name"], kind, a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._selected = a["name"], None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form.choices.setdefault(self._select, []).append(value)
            if "selected" in a or (self._selected is None and value):
                self._selected = value
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            self._form.fields.append((self._select, "select", self._selected or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea, "textarea", self._text.strip("\n")))
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


def _pattern_name(path: str, urlconf: str) -> str | None:
    from django.urls import resolve

    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Site:
    """What a crawl of one host as one role found: a page per URL pattern and its forms."""

    urlconf: str
    pages: dict[str, str] = field(default_factory=dict)  # pattern name -> path with query
    forms: dict[tuple[str, tuple[str, ...]], Form] = field(default_factory=dict)


def crawl(client: Client, urlconf: str, start: str = "/", limit: int = 150) -> Site:
    site = Site(urlconf)
    queue = [start]
    seen: set[str] = set()
    per_pattern: dict[str, int] = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or url in seen or SKIPPED.search(parts.path):
            continue
        name = _pattern_name(parts.path, urlconf)
        if name is None or per_pattern.get(name, 0) >= EXAMPLES_PER_PATTERN:
            continue
        seen.add(url)
        per_pattern[name] = per_pattern.get(name, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        site.pages[name] = url
        parser = PageParser(parts.path)
        parser.feed(response.content.decode())
        for form in parser.forms:
            action_path = urlsplit(form.action).path or parts.path
            action_name = _pattern_name(action_path, urlconf)
            if action_name is None or SKIPPED.search(action_path):
                continue
            key = (action_name, tuple(sorted({f[0] for f in form.fields})))
            site.forms.setdefault(key, form)
        queue.extend(link for link in parser.links if link.startswith("/"))
    return site


# --- which query parameters a view reads ---------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """``request.GET`` that notes the names a view asks for."""

    asked: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        RecordingQueryDict.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            RecordingQueryDict.asked.add(key)
        return super().__contains__(key)

    def getlist(self, key: str, default: Any = None) -> Any:
        RecordingQueryDict.asked.add(key)
        return super().getlist(key, default)


@pytest.fixture
def recording_query(monkeypatch: pytest.MonkeyPatch) -> Callable[[], set[str]]:
    monkeypatch.setattr(wsgi, "QueryDict", RecordingQueryDict)

    def take() -> set[str]:
        asked = set(RecordingQueryDict.asked)
        RecordingQueryDict.asked.clear()
        return asked

    return take


# --- checks -------------------------------------------------------------------------------------

Failures = list[str]


def _own_error_page(response: HttpResponse) -> bool:
    """A 4xx the product wrote: a JSON error under /api/, a page in the product's layout, or an
    htmx fragment (no layout, but no Django placeholder text either)."""
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return '"message"' in body
    if response.status_code == 405:
        return 'class="site-header"' in body
    return 'class="site-header"' in body or (
        bool(body.strip()) and "<h1>Bad Request" not in body and "<h1>Not Found" not in body
    )


def _request(
    failures: Failures, label: str, send: Callable[..., Any], *args: Any
) -> HttpResponse | None:
    try:
        response: HttpResponse = send(*args)
    except Exception as error:
        failures.append(f"{label}: server error {type(error).__name__}: {error}"[:400])
        return None
    if response.status_code >= 500:
        failures.append(f"{label}: status {response.status_code}")
        return None
    if 400 <= response.status_code < 500 and not _own_error_page(response):
        failures.append(f"{label}: {response.status_code} without the product's error page")
    return response


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever the block saves is undone (a savepoint within the test's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?([\w.]+)"?', re.IGNORECASE)
# Written on every request of a signed-in user, whatever the form: the session, the audit of
# reading personal data (who looked at what), a login's own bookkeeping.
ALWAYS_WRITTEN = frozenset({"django_session", "casework_auditentry", "accounts_loginevent"})


def _writes(queries: CaptureQueriesContext) -> list[tuple[str, str]]:
    rolled_back_to = any("ROLLBACK TO SAVEPOINT" in q["sql"] for q in queries.captured_queries)
    found = []
    for query in queries.captured_queries:
        match = WRITE.match(query["sql"])
        if match and match.group(2).split(".")[-1] not in ALWAYS_WRITTEN:
            found.append((match.group(2), query["sql"]))
    return [] if rolled_back_to and not found else found


def _field_error_shown(response: HttpResponse, name: str) -> bool:
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return f'"{name}"' in body
    if response.status_code == 400 and f"<code>{name}</code>" in body:
        return True  # a NUL character: the page naming the fields that carry one
    return (
        re.search(rf'class="field has-error[^"]*" id="field-{re.escape(name)}"', body) is not None
        or f'id="id_{name}_error"' in body
    )


def _errors_shown(response: HttpResponse) -> str:
    body = response.content.decode(errors="replace")
    shown = re.findall(r'class="field-error" id="([^"]+)">([^<]*)<', body)
    summary = re.search(r'class="error-summary".*?</div>', body, re.DOTALL)
    text = re.sub(r"<[^>]+>|\s+", " ", summary.group(0)) if summary else ""
    return ("; ".join(f"{target}: {error}" for target, error in shown) or text)[:300]


# --- the sweep ----------------------------------------------------------------------------------


def _centre_client(username: str) -> Client:
    client = Client(HTTP_HOST=host(CENTRE))
    response = client.post("/konto/logowanie/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def _portal_client(username: str) -> Client:
    client = Client(HTTP_HOST=host(None))
    response = client.post("/konto/logowanie/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def _patterns(urlconf: str) -> list[tuple[str, str]]:
    """Every named URL pattern of a host: (view name, route with ``<converter:name>`` parts)."""
    found: list[tuple[str, str]] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                space = entry.namespace or ""
                walk(
                    entry,
                    prefix + str(entry.pattern),
                    f"{namespace}{space}:" if space else namespace,
                )
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((f"{namespace}{entry.name}", prefix + str(entry.pattern)))

    walk(get_resolver(urlconf), "", "")
    return found


def _fill(route: str, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


def _sweep_query(
    client: Client, url: str, take: Callable[[], set[str]], failures: Failures
) -> None:
    path, _, query = url.partition("?")
    base = dict(parse_qsl(query))
    take()
    _request(failures, f"GET {url}", client.get, url)
    names = take()
    # Every name once set: a form bound to the query reads all its fields.
    _request(failures, f"GET {path} all", client.get, path, dict.fromkeys(names, "1"))
    names |= take()
    if not names:
        return
    for value in QUERY_VALUES:
        params = {**base, **dict.fromkeys(names, value)}
        _request(failures, f"GET {path} {sorted(names)}={value[:20]!r}", client.get, path, params)
    repeated = "&".join(f"{name}=1&{name}=abc&{name}=" for name in names)
    _request(failures, f"GET {path}?{repeated[:60]}", client.get, f"{path}?{repeated}")


def _sweep_site(
    clients: dict[str, Client], urlconf: str, take: Callable[[], set[str]], failures: Failures
) -> dict[str, tuple[Client, Form]]:
    forms: dict[str, tuple[Client, Form]] = {}
    pages: dict[str, tuple[Client, str]] = {}
    for client in clients.values():
        site = crawl(client, urlconf)
        for name, url in site.pages.items():
            pages.setdefault(name, (client, url))
        for (action, names), form in site.forms.items():
            forms.setdefault(f"{action} {names}", (client, form))
    for client, url in pages.values():
        with rolled_back():
            _sweep_query(client, url, take, failures)
    # Every pattern, with ids that match nothing and ids that are no ids.
    any_client = next(iter(clients.values()))
    for name, route in _patterns(urlconf):
        if "<" not in route or route.startswith("api/"):
            continue
        for value in (NONEXISTENT_ID, *MALFORMED_IDS):
            url = _fill(route, value)
            _request(failures, f"GET {url} ({name})", any_client.get, url)
    return forms


def _sweep_form(client: Client, form: Form, failures: Failures) -> None:
    base = form.data()
    cookies = copy.deepcopy(client.cookies)
    for name, kind in form.kinds().items():
        values = list(hostile_values(kind))
        if kind in ("select", "radio") and form.choices.get(name):
            values.append(Hostile(NUL, refused=True))
        for hostile in values:
            data = {**base, **SWITCHED_ON_BY.get(name, {}), name: [hostile.value]}
            label = f"POST {form.action} {name}={hostile.value[:20]!r}"
            with rolled_back(), CaptureQueriesContext(connection) as queries:
                response = _request(failures, label, client.post, form.action, data)
            # The savepoint undid any new session: the client goes on with the one it had.
            client.cookies = copy.deepcopy(cookies)
            if response is None:
                continue
            if "/konto/logowanie/" in response.get("Location", ""):
                failures.append(f"{label}: signed out")
                continue
            writes = _writes(queries)
            accepted = response.status_code in (301, 302, 303) or "HX-Redirect" in response
            if response.status_code == 200:
                body = response.content.decode(errors="replace")
                accepted = "error-summary" not in body and 'class="field-error"' not in body
            if accepted:
                if hostile.refused and kind != "hidden":
                    failures.append(f"{label}: accepted (status {response.status_code})")
                for table, sql in writes:
                    if any(c in sql for c in HOSTILE_CHARACTERS) or "9999-12-31" in sql:
                        failures.append(f"{label}: stored as typed in {table}")
                continue
            if writes:
                failures.append(
                    f"{label}: refused ({response.status_code}) but wrote {writes[0][0]}"
                )
            if hostile.refused and kind != "hidden" and not _field_error_shown(response, name):
                failures.append(
                    f"{label}: refused ({response.status_code}) without an error at the field"
                    f" ({_errors_shown(response)})"
                )


def test_every_centre_page_and_form_survives_hostile_input(
    recording_query: Callable[[], set[str]],
) -> None:
    failures: Failures = []
    clients = {role: _centre_client(role) for role in CENTRE_ROLES}
    forms = _sweep_site(clients, CENTRE_URLCONF, recording_query, failures)
    for client, form in forms.values():
        _sweep_form(client, form, failures)
    assert not failures, "\n".join(failures)


def test_every_portal_page_and_form_survives_hostile_input(
    recording_query: Callable[[], set[str]],
) -> None:
    failures: Failures = []
    clients = {role: _portal_client(role) for role in PORTAL_ROLES}
    forms = _sweep_site(clients, PORTAL_URLCONF, recording_query, failures)
    for client, form in forms.values():
        _sweep_form(client, form, failures)
    assert not failures, "\n".join(failures)
