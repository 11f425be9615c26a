"""The first-contact desk: search, choose or add a person (checked field by field), reasons, then
resolve at the desk or route; refused visits save nothing and keep every input; only roles that
register intakes may use it, and a team role finds and takes only what the household rule gives
it."""

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import AuditEntry, Case, Household, Intake, Person
from casework.models.intake import IntakeOutcome
from casework.pesel import make as make_pesel
from casework.services.cases import case_assign
from tenants.org.models import Team
from tests.casework.factories import api, assigned, case, household, person, user
from tests.conftest import CentreClientFactory

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
DESK = "/pierwszy-kontakt/"
HTMX = {"HX-Request": "true"}
_serial = itertools.count(1)


def synthetic_pesel(female: bool = True) -> str:
    """A valid PESEL on a birth date no demo person has (1931)."""
    return make_pesel(dt.date(1931, 2, 3), 700 + next(_serial), female)


def _clerk(centre_client: CentreClientFactory, username: str = "pierwszy.kontakt") -> Client:
    return centre_client.logged_in(SLUG, username)


def _counts() -> tuple[int, int, int, int]:
    with schema_context(SLUG):
        return (
            Person.objects.count(),
            Household.objects.count(),
            Intake.objects.count(),
            Case.objects.count(),
        )


def _visit(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "visit",
        "reporter_kind": "self",
        "reasons": ["ubostwo"],
        "notes": "",
        "outcome": "information",
        "outcome_note": "",
        "route_to": "",
        "person": "",
    }
    return data | changes


def _new_person(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Zofia",
        "last_name": "Biurkowa",
        "pesel": synthetic_pesel(),
        "street": "ul. Okienna 3",
        "postal_code": "26-021",
        "city": "Daleszyce",
    } | changes


@pytest.fixture
def known() -> Person:
    head = person(
        SLUG, first_name="Barbara", last_name="Szukana", pesel=synthetic_pesel(), city="Daleszyce"
    )
    household(SLUG, head)
    return head


# --- the page and who may use it -------------------------------------------------------------


def test_desk_page_starts_in_the_search_field_with_todays_reasons(
    centre_client: CentreClientFactory,
) -> None:
    response = _clerk(centre_client).get(DESK)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1>") == 1
    search = re.search(r"<input type=\"search\" name=\"q\"[^>]*>", html)
    assert search and "autofocus" in search.group(0)
    assert 'hx-trigger="input changed delay:300ms, search"' in search.group(0)
    assert '<label for="id_q">Szukaj osoby</label>' in html
    assert 'value="przemoc-domowa"' in html
    assert 'value="przemoc-w-rodzinie"' not in html  # not in force since 22.06.2023
    assert "Zapisz zgłoszenie" in html
    # every team that can take a case, and its workers, in one "route to" select
    assert 'value="team:praca-w-terenie"' in html
    assert re.search(r'value="worker:swiadczenia-uslugi:[0-9a-f-]{36}"', html)
    assert 'value="team:pierwszy-kontakt"' not in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", DESK),
        ("post", DESK),
        ("get", f"{DESK}szukaj/?q=Kowal"),
        ("get", f"{DESK}osoba/"),
        ("post", f"{DESK}sprawdz/pesel/"),
    ],
)
def test_auditor_may_not_use_the_desk(
    centre_client: CentreClientFactory, method: str, path: str
) -> None:
    before = _counts()
    client = _clerk(centre_client, "audytor")
    data = _visit(**_new_person()) if method == "post" else None
    response = getattr(client, method)(path, data, headers=HTMX)
    assert response.status_code == 403
    assert "nie może rejestrować zgłoszeń" in response.content.decode()
    assert _counts() == before


def test_desk_needs_a_log_in(centre_client: CentreClientFactory) -> None:
    response = centre_client(SLUG).get(DESK)
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logowanie/")


# --- search and choose ----------------------------------------------------------------------


def test_search_as_you_type_answers_a_partial_with_choose_buttons(
    centre_client: CentreClientFactory, known: Person
) -> None:
    client = _clerk(centre_client)
    response = client.get(f"{DESK}szukaj/", {"q": str(known.pesel)}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Szukana Barbara" in html
    assert f'name="person" value="{known.public_id}"' in html
    assert "Wybierz" in html and "gospodarstwo domowe – osób: 1" in html
    assert 'id="search-status"' in html and 'hx-swap-oob="true"' in html
    with schema_context(SLUG):
        assert AuditEntry.objects.filter(
            actor_username="pierwszy.kontakt", action="read", object_id=str(known.public_id)
        ).exists()


def test_search_by_name_and_address_and_too_short(
    centre_client: CentreClientFactory, known: Person
) -> None:
    client = _clerk(centre_client)
    html = client.get(f"{DESK}szukaj/", {"q": "Szukana Barbara"}, headers=HTMX).content.decode()
    assert str(known.public_id) in html
    nothing = client.get(f"{DESK}szukaj/", {"q": "Qxzyw"}, headers=HTMX).content.decode()
    assert "Nie znaleziono osoby dla „Qxzyw”" in nothing
    short = client.get(f"{DESK}szukaj/", {"q": "S"}, headers=HTMX).content.decode()
    assert "Wpisz co najmniej 2 znaki." in short


def test_search_without_javascript_renders_the_whole_desk(
    centre_client: CentreClientFactory, known: Person
) -> None:
    html = _clerk(centre_client).get(DESK, {"q": str(known.pesel)}).content.decode()
    assert "<html" in html and "Szukana Barbara" in html
    assert f'value="{known.pesel}"' in html  # the query stays in the field


def test_choosing_a_person_fills_the_person_slot(
    centre_client: CentreClientFactory, known: Person
) -> None:
    client = _clerk(centre_client)
    response = client.get(f"{DESK}osoba/", {"person": str(known.public_id)}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'<input type="hidden" name="person" value="{known.public_id}">' in html
    assert "Barbara Szukana" in html and "Zmień osobę" in html and "autofocus" in html
    # without htmx, "choose" is the desk with the person chosen
    page = client.get(DESK, {"person": str(known.public_id)}).content.decode()
    assert f'name="person" value="{known.public_id}"' in page
    missing = client.get(
        f"{DESK}osoba/", {"person": "00000000-0000-0000-0000-000000000000"}, headers=HTMX
    )
    assert missing.status_code == 404


# --- field-by-field checks of a new person --------------------------------------------------


def _check(client: Client, field: str, **data: str) -> str:
    response = client.post(f"{DESK}sprawdz/{field}/", data, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="field-{field}"' in html
    return html


def test_pesel_is_checked_when_the_clerk_leaves_the_field(
    centre_client: CentreClientFactory, known: Person
) -> None:
    client = _clerk(centre_client)
    good = synthetic_pesel(female=False)
    assert known.pesel
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    assert "błędną cyfrę kontrolną" in _check(client, "pesel", pesel=bad)
    assert "Numer PESEL ma 11 cyfr." in _check(client, "pesel", pesel="1234")
    ok = _check(client, "pesel", pesel=good)
    assert "field-error" not in ok
    assert "Numer poprawny: data urodzenia 03.02.1931, płeć: mężczyzna." in ok
    assert f'value="{good}"' in ok and 'hx-post="/pierwszy-kontakt/sprawdz/pesel/"' in ok
    assert "jest już w kartotece" in _check(client, "pesel", pesel=known.pesel)
    empty = _check(client, "pesel", pesel="")
    assert "Podaj numer PESEL, a jeśli osoba go nie ma" in empty


def test_required_names_birth_date_and_postal_code_are_checked(
    centre_client: CentreClientFactory,
) -> None:
    client = _clerk(centre_client)
    assert "Podaj imię." in _check(client, "first_name", first_name="  ")
    assert "field-error" not in _check(client, "first_name", first_name="Zofia")
    assert "Podaj nazwisko." in _check(client, "last_name", last_name="")
    pesel = synthetic_pesel()
    mismatch = _check(client, "date_of_birth", pesel=pesel, date_of_birth="1950-01-01")
    assert "Data urodzenia nie zgadza się z numerem PESEL (03.02.1931)." in mismatch
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert "nie może być w przyszłości" in _check(client, "date_of_birth", date_of_birth=future)
    assert "Kod pocztowy ma postać 00-000." in _check(client, "postal_code", postal_code="26021")
    assert client.post(f"{DESK}sprawdz/notes/", {}, headers=HTMX).status_code == 404


# --- saving a visit -------------------------------------------------------------------------


def test_refused_visit_saves_nothing_and_keeps_every_input(
    centre_client: CentreClientFactory,
) -> None:
    before = _counts()
    good = synthetic_pesel()
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    data = _visit(
        **_new_person(pesel=bad, last_name="Zachowana"),
        reasons=[],
        notes="Notatka, której nie wolno zgubić",
        outcome="route",
        route_to="team:praca-w-terenie",
    )
    response = _clerk(centre_client).post(DESK, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nie zapisano – popraw zaznaczone pola." in html
    pesel_field = html.split('id="field-pesel"', 1)[1].split('<div class="field', 1)[0]
    assert "błędną cyfrę kontrolną" in pesel_field
    reasons = html.split('id="id_reasons"', 1)[1].split("</fieldset>", 1)[0]
    assert "Wskaż co najmniej jeden powód zgłoszenia" in reasons
    assert 'value="Zachowana"' in html and f'value="{bad}"' in html
    assert "Notatka, której nie wolno zgubić" in html
    assert re.search(r'value="team:praca-w-terenie"\s+selected', html)
    assert re.search(r'value="route"[^>]*checked', html)
    assert _counts() == before


def test_htmx_post_with_errors_answers_the_form_alone(centre_client: CentreClientFactory) -> None:
    before = _counts()
    response = _clerk(centre_client).post(
        DESK, _visit(outcome="referral_outside", outcome_note=""), headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and html.lstrip().startswith("<form")
    note = html.split('id="field-outcome_note"', 1)[1].split("</div>", 1)[0]
    assert "Podaj, dokąd skierowano osobę." in note
    assert _counts() == before


def test_routing_needs_a_destination(centre_client: CentreClientFactory) -> None:
    before = _counts()
    html = (
        _clerk(centre_client)
        .post(DESK, _visit(**_new_person(), outcome="route", route_to=""))
        .content.decode()
    )
    route = html.split('id="field-route_to"', 1)[1].split("</div>", 1)[0]
    assert "Wybierz zespół albo pracownika" in route
    assert _counts() == before


def test_routing_without_a_person_is_refused_next_to_the_person(
    centre_client: CentreClientFactory,
) -> None:
    before = _counts()
    html = (
        _clerk(centre_client)
        .post(DESK, _visit(outcome="route", route_to="team:praca-w-terenie"))
        .content.decode()
    )
    assert "Aby przekazać sprawę do zespołu, wskaż osobę" in html.split('id="person-slot"', 1)[1]
    assert _counts() == before


def test_duplicate_pesel_is_refused_with_a_hint(
    centre_client: CentreClientFactory, known: Person
) -> None:
    before = _counts()
    html = (
        _clerk(centre_client).post(DESK, _visit(**_new_person(pesel=known.pesel))).content.decode()
    )
    assert "jest już w kartotece ośrodka – wyszukaj ją" in html
    assert _counts() == before


def test_new_person_routed_to_a_team_opens_a_case_in_its_queue(
    centre_client: CentreClientFactory,
) -> None:
    pesel = synthetic_pesel()
    client = _clerk(centre_client)
    response = client.post(
        DESK,
        _visit(
            **_new_person(pesel=pesel),
            reasons=["bezrobocie", "bezradnosc"],
            notes="Pierwsza wizyta.",
            outcome="route",
            route_to="team:praca-w-terenie",
            outcome_note="Pilne – brak środków na opał.",
        ),
    )
    assert response.status_code == 302
    with schema_context(SLUG):
        created = Person.objects.get(pesel=pesel)
        intake = Intake.objects.select_related("case", "routed_team", "household").get(
            person=created
        )
        assert intake.outcome == IntakeOutcome.ROUTED
        assert intake.routed_team == Team.objects.get(code="praca-w-terenie")
        assert intake.routed_worker is None
        assert intake.reasons == ["bezrobocie", "bezradnosc"]
        assert intake.notes == "Pierwsza wizyta."
        assert intake.household is not None  # a one-person household, kept by the new person
        assert intake.household.members.get().person == created
        assert intake.case is not None
        assignment = intake.case.assignments.get(ended_on__isnull=True)
        assert assignment.team.code == "praca-w-terenie" and assignment.worker is None
        assert AuditEntry.objects.filter(
            actor_username="pierwszy.kontakt", action="create", object_id=str(intake.public_id)
        ).exists()
        done_url = reverse("casework-ui:desk-done", kwargs={"intake_id": intake.public_id})
        case_url = reverse("casework-ui:case-detail", kwargs={"case_id": intake.case.public_id})
    assert response["Location"] == done_url
    done = client.get(done_url).content.decode()
    assert "Zgłoszenie zarejestrowane" in done
    assert re.search(r"Wpis nr \d+ w rejestrze zgłoszeń z \d\d\.\d\d\.\d{4}", done)
    assert intake.case.number in done
    # The file is the team's now: first contact gets no link to it; the manager does.
    assert f'href="{case_url}"' not in done
    assert f'href="{case_url}"' in _clerk(centre_client, "kierownik").get(done_url).content.decode()
    assert f'href="{DESK}" autofocus>Następny klient' in done
    assert "Pracownicy socjalni ds. pracy w terenie" in done
    # the team sees it in its queue
    queue = _clerk(centre_client, "socjalny").get("/").content.decode()
    assert intake.case.number in queue.split('id="h-queue"', 1)[1]


def test_known_person_routed_to_a_worker_by_htmx(
    centre_client: CentreClientFactory, known: Person
) -> None:
    with schema_context(SLUG):
        worker = user(SLUG, "swiadczenia")
    response = _clerk(centre_client).post(
        DESK,
        _visit(
            person=str(known.public_id),
            reasons=["ubostwo"],
            outcome="route",
            route_to=f"worker:swiadczenia-uslugi:{worker.public_id}",
        ),
        headers=HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(f"{DESK}zgloszenie/")
    with schema_context(SLUG):
        intake = Intake.objects.get(person=known)
        assert intake.routed_worker == worker
        assert intake.routed_team is not None and intake.routed_team.code == "swiadczenia-uslugi"
        assert intake.case is not None
        assert Person.objects.filter(pesel=known.pesel).count() == 1


def test_a_worker_outside_the_chosen_team_is_refused_on_the_route_field(
    centre_client: CentreClientFactory, known: Person
) -> None:
    before = _counts()
    with schema_context(SLUG):
        worker = user(SLUG, "socjalny")
    html = (
        _clerk(centre_client)
        .post(
            DESK,
            _visit(
                person=str(known.public_id),
                outcome="route",
                route_to=f"worker:swiadczenia-uslugi:{worker.public_id}",
            ),
        )
        .content.decode()
    )
    route = html.split('id="field-route_to"', 1)[1].split("</div>", 1)[0]
    assert "Wybierz poprawną wartość." in route
    assert "Wybierz zespół albo pracownika" not in route
    assert _counts() == before


def test_anonymous_information_is_resolved_at_the_desk(centre_client: CentreClientFactory) -> None:
    before = _counts()
    client = _clerk(centre_client)
    response = client.post(
        DESK,
        _visit(
            channel="phone",
            reasons=["bezrobocie"],
            outcome="referral_outside",
            outcome_note="Powiatowy Urząd Pracy w Kielcach",
        ),
    )
    assert response.status_code == 302
    persons, households, intakes, cases = _counts()
    assert (persons, households, intakes, cases) == (before[0], before[1], before[2] + 1, before[3])
    with schema_context(SLUG):
        intake = Intake.objects.order_by("-id").first()
        assert intake is not None
        assert intake.outcome == IntakeOutcome.REFERRAL_OUTSIDE
        assert intake.outcome_note == "Powiatowy Urząd Pracy w Kielcach"
        assert intake.person is None and intake.case is None
    done = client.get(response["Location"]).content.decode()
    done = done[done.index("<main") :]  # the page, not the header's search ("Znak sprawy…")
    assert "skierowano poza ośrodek" in done and "Znak sprawy" not in done


def test_confirmation_of_an_unknown_visit_is_404(centre_client: CentreClientFactory) -> None:
    response = _clerk(centre_client).get(f"{DESK}zgloszenie/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


def test_manager_may_register_a_visit_too(centre_client: CentreClientFactory) -> None:
    response = _clerk(centre_client, "kierownik").post(DESK, _visit(outcome="advice"))
    assert response.status_code == 302


def test_chosen_person_shows_the_open_case_and_who_handles_it(
    centre_client: CentreClientFactory,
) -> None:
    head = person(SLUG, first_name="Celina", last_name="Prowadzona", pesel=synthetic_pesel())
    opened = case(SLUG, household(SLUG, head))
    with schema_context(SLUG):
        worker = user(SLUG, "swiadczenia")
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=Team.objects.get(code="swiadczenia-uslugi"),
            worker=worker,
        )
        case_url = reverse("casework-ui:case-detail", kwargs={"case_id": opened.public_id})
    html = (
        _clerk(centre_client)
        .get(f"{DESK}osoba/", {"person": str(head.public_id)}, headers=HTMX)
        .content.decode()
    )
    assert f'href="{case_url}"' in html and opened.number in html
    assert f"Prowadzą: {worker.get_full_name()} (Pracownicy socjalni ds. świadczeń i usług)" in html


# --- team roles at the desk: the household rule ---------------------------------------------------

SCOPED = (
    "piaseczno"  # where the issue was found: the social worker holds a post in "praca-socjalna"
)


def _benefits_household(last_name: str) -> tuple[Person, Case]:
    """A person whose household's open case the benefits team has: outside the social worker's
    scope."""
    head = person(SCOPED, first_name="Halina", last_name=last_name, pesel=synthetic_pesel())
    opened = case(SCOPED, household(SCOPED, head))
    with schema_context(SCOPED):
        case_assign(
            user=user(SCOPED, "kierownik"), case=opened, team=Team.objects.get(code="swiadczenia")
        )
    return head, opened


def _to_social_worker() -> str:
    return f"worker:praca-socjalna:{user(SCOPED, 'socjalny').public_id}"


def _scoped_counts() -> tuple[int, int, int]:
    with schema_context(SCOPED):
        return Intake.objects.count(), Case.objects.count(), Household.objects.count()


def _api_person(username: str, head: Person) -> int:
    return api(SCOPED, username).get(f"/api/people/{head.public_id}/").status_code


def test_team_role_finds_at_the_desk_only_whom_the_api_shows(
    centre_client: CentreClientFactory,
) -> None:
    """The social worker searching by PESEL sees nothing of a person the API
    refuses him (name, PESEL, address, id), with or without htmx; his own client he finds."""
    head, _opened = _benefits_household("Ukryta")
    own = person(SCOPED, first_name="Olga", last_name="Własna", pesel=synthetic_pesel())
    assigned(SCOPED, case(SCOPED, household(SCOPED, own)), "socjalny")
    assert _api_person("socjalny", head) == 403
    assert _api_person("socjalny", own) == 200

    social = centre_client.logged_in(SCOPED, "socjalny")
    for response in (
        social.get(DESK, {"q": str(head.pesel)}),
        social.get(f"{DESK}szukaj/", {"q": str(head.pesel)}, headers=HTMX),
        social.get(f"{DESK}szukaj/", {"q": "Ukryta Halina"}, headers=HTMX),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "<strong>Ukryta" not in html and str(head.public_id) not in html
        assert f"PESEL {head.pesel}" not in html and "person-results" not in html
        assert "ul. Testowa 1" not in html
        assert "Nie znaleziono osoby" in html
    html = social.get(f"{DESK}szukaj/", {"q": str(own.pesel)}, headers=HTMX).content.decode()
    assert "Własna Olga" in html and str(own.public_id) in html

    # The desk and the manager keep their search of the whole centre.
    for username in ("pierwszy.kontakt", "kierownik"):
        assert _api_person(username, head) == 200
        client = centre_client.logged_in(SCOPED, username)
        html = client.get(f"{DESK}szukaj/", {"q": str(head.pesel)}, headers=HTMX).content.decode()
        assert "Ukryta Halina" in html and str(head.public_id) in html


def test_team_role_choosing_someone_outside_the_scope_gets_the_break_glass_page(
    centre_client: CentreClientFactory,
) -> None:
    head, _opened = _benefits_household("Wybierana")
    social = centre_client.logged_in(SCOPED, "socjalny")
    for response in (
        social.get(DESK, {"person": str(head.public_id)}),
        social.get(f"{DESK}osoba/", {"person": str(head.public_id)}, headers=HTMX),
    ):
        assert response.status_code == 403
        html = response.content.decode()
        assert "Dostęp w trybie nadzwyczajnym" in html
        assert "Wybierana" not in html and str(head.pesel) not in html


def test_team_role_cannot_route_someone_outside_the_scope_to_himself_at_the_desk(
    centre_client: CentreClientFactory,
) -> None:
    """Through the page: the visit is refused with the break-glass page and
    saves nothing; the case file stays closed to him."""
    head, opened = _benefits_household("Przejmowana")
    social = centre_client.logged_in(SCOPED, "socjalny")
    before = _scoped_counts()
    response = social.post(
        DESK, _visit(person=str(head.public_id), outcome="route", route_to=_to_social_worker())
    )
    assert response.status_code == 403
    assert "Dostęp w trybie nadzwyczajnym" in response.content.decode()
    assert _scoped_counts() == before
    case_url = reverse("casework-ui:case-detail", kwargs={"case_id": opened.public_id})
    assert social.get(case_url).status_code == 403


def test_break_glass_lets_the_team_role_take_the_visit_with_the_reason_recorded(
    centre_client: CentreClientFactory,
) -> None:
    head, opened = _benefits_household("Zastępowana")
    social = centre_client.logged_in(SCOPED, "socjalny")
    reason = "Zastępstwo za pracownika na urlopie, klientka czeka w ośrodku."
    with schema_context(SCOPED):
        grant_url = reverse(
            "casework-ui:break-glass", kwargs={"household_id": opened.household.public_id}
        )
    granted = social.post(grant_url, {"reason": reason, "next": DESK})
    assert granted.status_code == 302
    html = social.get(f"{DESK}szukaj/", {"q": str(head.pesel)}, headers=HTMX).content.decode()
    assert str(head.public_id) in html
    response = social.post(
        DESK, _visit(person=str(head.public_id), outcome="route", route_to=_to_social_worker())
    )
    assert response.status_code == 302
    with schema_context(SCOPED):
        intake = Intake.objects.get(person=head)
        assert intake.case_id == opened.pk and intake.routed_worker == user(SCOPED, "socjalny")
        entry = AuditEntry.objects.get(
            action="create", object_type="casework.intake", object_id=str(intake.public_id)
        )
        assert entry.actor_username == "socjalny" and entry.break_glass_reason == reason


def test_team_role_registers_someone_new_at_the_desk(centre_client: CentreClientFactory) -> None:
    """A person new to the centre is nobody's yet: the social worker adds and routes them."""
    pesel = synthetic_pesel()
    social = centre_client.logged_in(SCOPED, "socjalny")
    response = social.post(
        DESK,
        _visit(
            **_new_person(pesel=pesel, postal_code="05-500", city="Piaseczno"),
            outcome="route",
            route_to=_to_social_worker(),
        ),
    )
    assert response.status_code == 302, response.content.decode()
    with schema_context(SCOPED):
        intake = Intake.objects.select_related("case").get(person__pesel=pesel)
        assert intake.case is not None
        case_url = reverse("casework-ui:case-detail", kwargs={"case_id": intake.case.public_id})
    assert social.get(case_url).status_code == 200
