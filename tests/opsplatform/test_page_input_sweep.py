"""Every page of a centre's host and of the portal, fed hostile input through the same code path a
browser takes (Django's test client, real PostgreSQL, the demo data).

The pages are found by crawling as each role (and signed out) from the root and every page without
path parameters, following links, htmx ``hx-get``s and forms, so path parameters carry real ids;
a page no link leads to is opened with ids seen in other links. Every URL pattern of both hosts
is also requested with a nonexistent and a malformed id. Then:

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
demo data; the failures are collected and reported together. The sweep asserts how much it
reached (pages, forms, query parameters), so that a crawler finding less fails rather than
passes."""

from __future__ import annotations

import copy
import re
from collections import Counter
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
from django.urls import ResolverMatch, URLPattern, URLResolver, get_resolver, resolve
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
# What a sweep reaches at least with the demo data (checked, so that a crawler finding less fails).
CENTRE_COVERAGE = {"pages": 45, "forms": 30, "query parameters": 25}
PORTAL_COVERAGE = {"pages": 10, "forms": 4, "query parameters": 12}
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
# The log-in refuses a user name and password together, never saying which was wrong (no account
# is confirmed to exist): a refused value there is refused as a whole.
REFUSED_TOGETHER = frozenset({"/konto/logowanie/"})
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
            if self._form is None:
                self.links.append(action)  # a search form: its page reads the query
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


def _resolve(path: str, urlconf: str) -> ResolverMatch | None:
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None


@dataclass
class Site:
    """What a crawl of one host as one role found: a page per URL pattern and its forms."""

    urlconf: str
    pages: dict[str, str] = field(default_factory=dict)  # pattern name -> path with query
    forms: dict[tuple[str, tuple[str, ...]], Form] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> a value seen in a link

    def note(self, path: str) -> str | None:
        """The pattern name of a path of this host (None if none), noting its path parameters."""
        match = _resolve(path, self.urlconf)
        if match is None:
            return None
        for name in re.findall(r"<(?:\w+:)?(\w+)>", match.route):
            self.ids.setdefault(name, str(match.kwargs[name]))
        return match.view_name


def _unlinked(site: Site) -> list[str]:
    """Pages no link led to whose path parameters are known from other links (a case's history,
    a decision's print, a person's RODO page…)."""
    urls = []
    for name, route in _patterns(site.urlconf):
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if name in site.pages or route.startswith("api/") or not params:
            continue
        if all(param in site.ids for param in params):
            urls.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: site.ids[m.group(1)], route))
    return urls


def crawl(client: Client, urlconf: str, limit: int = 150) -> Site:
    """From the host's root and every page without path parameters, following links."""
    site = Site(urlconf)
    queue = ["/", *("/" + route for _name, route in _patterns(urlconf) if "<" not in route)]
    seen: set[str] = set()
    per_pattern: dict[str, int] = {}
    second_round = False
    while len(seen) < limit:
        if not queue:
            if second_round:
                break
            queue, second_round = _unlinked(site), True
            continue
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or url in seen or SKIPPED.search(parts.path):
            continue
        name = site.note(parts.path)
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
            action_name = site.note(action_path)
            if action_name is None or SKIPPED.search(action_path):
                continue
            key = (action_name, tuple(sorted({f[0] for f in form.fields})))
            site.forms.setdefault(key, form)
        links = [link for link in parser.links if link.startswith("/")]
        for link in links:
            site.note(urlsplit(link).path)
        queue.extend(links)
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
# reading personal data (who looked at what).
ALWAYS_WRITTEN = frozenset({"django_session", "casework_auditentry"})


SAVEPOINT = re.compile(r'^\s*(SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.IGNORECASE)


def _writes(queries: CaptureQueriesContext) -> list[tuple[str, str]]:
    """The statements that changed data and were not undone by rolling back to a savepoint."""
    found: list[tuple[str, str]] = []
    savepoints: dict[str, int] = {}
    for query in queries.captured_queries:
        sql = query["sql"]
        if point := SAVEPOINT.match(sql):
            if point.group(1).upper() == "SAVEPOINT":
                savepoints[point.group(2)] = len(found)
            else:
                del found[savepoints.get(point.group(2), len(found)) :]
        elif (match := WRITE.match(sql)) and match.group(2).split(".")[-1] not in ALWAYS_WRITTEN:
            found.append((match.group(2), sql))
    return found


def _field_error_shown(response: Any, name: str) -> bool:
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        return f'"{name}"' in body
    if response.status_code == 400 and f"<code>{name}</code>" in body:
        return True  # a NUL character: the page naming the fields that carry one
    return (
        re.search(rf'class="field has-error[^"]*" id="field-{re.escape(name)}"', body) is not None
        or f'id="id_{name}_error"' in body
        or f'id="id_{name}-error"' in body
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


def _sweep_query(client: Client, url: str, take: Callable[[], set[str]], failures: Failures) -> int:
    """Sends the hostile values to every query parameter the page reads; their number."""
    path, _, query = url.partition("?")
    base = dict(parse_qsl(query))
    take()
    _request(failures, f"GET {url}", client.get, url)
    names = take()
    # Every name once set: a form bound to the query reads all its fields.
    _request(failures, f"GET {path} all", client.get, path, dict.fromkeys(names, "1"))
    names |= take()
    if not names:
        return 0
    for value in QUERY_VALUES:
        params = {**base, **dict.fromkeys(names, value)}
        _request(failures, f"GET {path} {sorted(names)}={value[:20]!r}", client.get, path, params)
    repeated = "&".join(f"{name}=1&{name}=abc&{name}=" for name in names)
    _request(failures, f"GET {path}?{repeated[:60]}", client.get, f"{path}?{repeated}")
    return len(names)


def _sweep_site(
    clients: dict[str, Client],
    urlconf: str,
    take: Callable[[], set[str]],
    failures: Failures,
    seen: Counter[str],
) -> dict[str, tuple[Client, Form]]:
    forms: dict[str, tuple[Client, Form]] = {}
    pages: dict[str, tuple[Client, str]] = {}
    for client in clients.values():
        site = crawl(client, urlconf)
        for name, url in site.pages.items():
            pages.setdefault(name, (client, url))
        for (action, names), form in site.forms.items():
            forms.setdefault(f"{action} {names}", (client, form))
    seen["pages"] = len(pages)
    for client, url in pages.values():
        with rolled_back():
            seen["query parameters"] += _sweep_query(client, url, take, failures)
    # Every pattern, with ids that match nothing and ids that are no ids.
    any_client = next(iter(clients.values()))
    for name, route in _patterns(urlconf):
        if "<" not in route or route.startswith("api/"):
            continue
        for value in (NONEXISTENT_ID, *MALFORMED_IDS):
            url = _fill(route, value)
            _request(failures, f"GET {url} ({name})", any_client.get, url)
    return forms


def _sweep_form(client: Client, form: Form, failures: Failures, seen: Counter[str]) -> None:
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
            seen["posts"] += 1
            accepted = response.status_code in (301, 302, 303) or "HX-Redirect" in response
            if response.status_code == 200:
                body = response.content.decode(errors="replace")
                accepted = "error-summary" not in body and 'class="field-error"' not in body
            if accepted:
                seen["accepted posts that wrote"] += bool(writes)
                if hostile.refused and kind != "hidden":
                    failures.append(f"{label}: accepted (status {response.status_code})")
                for table, sql in writes:
                    if any(c in sql for c in HOSTILE_CHARACTERS) or "9999-12-31" in sql:
                        failures.append(f"{label}: stored as typed in {table}")
                continue
            seen["refused posts"] += 1
            if writes:
                failures.append(
                    f"{label}: refused ({response.status_code}) but wrote {writes[0][0]}"
                )
            if (
                hostile.refused
                and kind != "hidden"
                and form.action not in REFUSED_TOGETHER
                and not _field_error_shown(response, name)
            ):
                failures.append(
                    f"{label}: refused ({response.status_code}) without an error at the field"
                    f" ({_errors_shown(response)})"
                )


def test_every_centre_page_and_form_survives_hostile_input(
    recording_query: Callable[[], set[str]],
) -> None:
    failures: Failures = []
    seen: Counter[str] = Counter()
    clients = {role: _centre_client(role) for role in CENTRE_ROLES}
    clients["anonymous"] = Client(HTTP_HOST=host(CENTRE))
    forms = _sweep_site(clients, CENTRE_URLCONF, recording_query, failures, seen)
    seen["forms"] = len(forms)
    for client, form in forms.values():
        _sweep_form(client, form, failures, seen)
    assert not failures, "\n".join(failures)
    # The sweep reached what it is meant to (a crawler that stopped finding pages would pass).
    assert seen["pages"] >= CENTRE_COVERAGE["pages"], seen
    assert seen["forms"] >= CENTRE_COVERAGE["forms"], seen
    assert seen["query parameters"] >= CENTRE_COVERAGE["query parameters"], seen
    # Refusals were seen to write nothing by a check that does see writes.
    assert seen["refused posts"] and seen["accepted posts that wrote"], seen


def test_every_portal_page_and_form_survives_hostile_input(
    recording_query: Callable[[], set[str]],
) -> None:
    failures: Failures = []
    seen: Counter[str] = Counter()
    clients = {role: _portal_client(role) for role in PORTAL_ROLES}
    clients["anonymous"] = Client(HTTP_HOST=host(None))
    forms = _sweep_site(clients, PORTAL_URLCONF, recording_query, failures, seen)
    seen["forms"] = len(forms)
    for client, form in forms.values():
        _sweep_form(client, form, failures, seen)
    assert not failures, "\n".join(failures)
    assert seen["pages"] >= PORTAL_COVERAGE["pages"], seen
    assert seen["forms"] >= PORTAL_COVERAGE["forms"], seen
    assert seen["query parameters"] >= PORTAL_COVERAGE["query parameters"], seen


# --- the fixes the sweep led to, each on its own --------------------------------------------------


def test_a_date_out_of_every_range_is_refused_at_its_field_before_anything_else() -> None:
    """Year 9999 in the retention preview overflowed the date arithmetic (a server error); in a
    form it was reported only once every other field was valid."""
    client = _centre_client("kierownik")
    preview = client.get("/retencja/do-usuniecia/", {"na_dzien": "9999-12-31"})
    assert preview.status_code == 200
    assert _field_error_shown(preview, "na_dzien")
    assert "Podaj datę między 01.01.1900 a 31.12.2099." in preview.content.decode()
    birth = client.post("/pierwszy-kontakt/sprawdz/date_of_birth/", {"date_of_birth": "0001-01-01"})
    assert _field_error_shown(birth, "date_of_birth")
    last_day = client.get("/retencja/do-usuniecia/", {"na_dzien": "2099-12-31"})
    assert last_day.status_code == 200 and not _field_error_shown(last_day, "na_dzien")


def test_a_form_address_opened_from_the_address_bar_answers_a_polish_405_page() -> None:
    client = _centre_client("kierownik")
    response = client.get("/pierwszy-kontakt/sprawdz/date_of_birth/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "Tej strony nie otwiera się w ten sposób" in response.content.decode()


def test_an_address_with_too_many_query_parameters_answers_414_with_the_limits_message() -> None:
    query = "&".join(f"p{index}=1" for index in range(1_001))
    client = _centre_client("kierownik")
    page = client.get(f"/sprawy/?{query}")
    assert page.status_code == 414
    assert "Przesłane dane są za duże" in page.content.decode()
    api = client.get(f"/api/cases/?{query}")
    assert api.status_code == 414
    assert api.json()["code"] == "request_too_large"


def test_a_bad_request_without_a_named_field_does_not_blame_a_nul_character() -> None:
    from django.core.exceptions import SuspiciousOperation
    from django.test import RequestFactory
    from django.views.defaults import bad_request

    response = bad_request(RequestFactory().get("/"), SuspiciousOperation("x"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "NUL" not in body
    assert "nic nie zostało zapisane" in body
