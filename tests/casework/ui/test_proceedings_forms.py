"""The next steps on the case file: registering an application, planning and recording the family
interview, issuing and delivering a decision, the delay notice, the appeal from lodging to outcome,
the manager's authorisation, assigning, handing over and closing the case.

For each form: who sees it, the success path creating the record, inline Polish errors with the
input kept and nothing saved, 403 for a role without the capability, 404 for an unknown case, and
the htmx answers (the form alone, or a redirect header) against the plain ones."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.models import (
    Appeal,
    Application,
    Case,
    CaseAssignment,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
    Handover,
    Person,
)
from casework.services.cases import case_assign
from casework.services.proceedings import (
    appeal_forward,
    appeal_register,
    application_register,
    decision_deliver,
    decision_issue,
    interview_record,
    interview_schedule,
)
from tenants.org.models import Team
from tests.casework.factories import case, household, open_to, person, user

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
HTMX = {"HX-Request": "true"}


def today() -> dt.date:
    return timezone.localdate()


def url(name: str, case_obj: Case | None = None, **kwargs: Any) -> str:
    if case_obj is not None:
        kwargs["case_id"] = case_obj.public_id
    return reverse(f"casework-ui:{name}", kwargs=kwargs, urlconf="opsplatform.urls_tenant")


def form_data(prefix: str, **values: Any) -> dict[str, Any]:
    return {
        f"{prefix}-{name}": value if isinstance(value, list) else str(value)
        for name, value in values.items()
    }


def count(model: Any, **filters: Any) -> int:
    with schema_context(SLUG):
        return int(model.objects.filter(**filters).count())


def get(model: Any, **filters: Any) -> Any:
    with schema_context(SLUG):
        return model.objects.get(**filters)


def page(client: Client, case_obj: Case) -> str:
    """The case file with its history and social-work sections in the page (as without
    JavaScript; with it, the page asks for them once shown)."""
    response = client.get(url("case-detail", case_obj) + "?historia=tak")
    assert response.status_code == 200
    return str(response.content.decode())


def benefits_team() -> Team:
    with schema_context(SLUG):
        return Team.objects.get(functions__contains=["benefits"])


# --- builders: the state a step needs, made through the services --------------------------------


def family_case(last_name: str = "Wnioskowa") -> tuple[Case, Person]:
    """An open case of a one-person household, assigned to the demo benefits worker."""
    head = person(SLUG, last_name=last_name, city="Daleszyce")
    opened = case(SLUG, household(SLUG, head), opened_on=today() - dt.timedelta(days=20))
    with schema_context(SLUG):
        case_assign(
            user=user(SLUG, "kierownik"),
            case=opened,
            team=benefits_team(),
            worker=user(SLUG, "swiadczenia"),
        )
    return opened, head


def pending_application(case_obj: Case, applicant: Person, days_ago: int = 10) -> Application:
    with schema_context(SLUG):
        return application_register(
            user=user(SLUG, "swiadczenia"),
            case=case_obj,
            applicant=applicant,
            received_on=today() - dt.timedelta(days=days_ago),
            benefits=["zasilek-okresowy"],
        )


def conducted_interview(case_obj: Case, application: Application | None) -> FamilyInterview:
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        interview = interview_schedule(
            user=worker,
            case=case_obj,
            worker=worker,
            application=application,
            needed_since=today() - dt.timedelta(days=9),
        )
        return interview_record(
            user=worker,
            interview=interview,
            conducted_on=today() - dt.timedelta(days=8),
            diagnosis="Brak dochodu po utracie pracy.",
            help_plan="Zasiłek okresowy, praca socjalna.",
        )


def issued_decision(case_obj: Case, applicant: Person, *, delivered: bool = False) -> Decision:
    application = pending_application(case_obj, applicant)
    conducted_interview(case_obj, application)
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        decision = decision_issue(
            user=worker,
            application=application,
            benefit="zasilek-okresowy",
            outcome="grant",
            reasoning="Dochód poniżej kryterium.",
            issued_on=today() - dt.timedelta(days=6),
            amount=Decimal("450.00"),
            period_from=today() - dt.timedelta(days=6),
        )
        if delivered:
            decision = decision_deliver(
                user=worker, decision=decision, delivered_on=today() - dt.timedelta(days=5)
            )
    return decision


def lodged_appeal(case_obj: Case, applicant: Person, *, forwarded: bool = False) -> Appeal:
    decision = issued_decision(case_obj, applicant, delivered=True)
    worker = user(SLUG, "swiadczenia")
    with schema_context(SLUG):
        appeal = appeal_register(
            user=worker, decision=decision, lodged_on=today() - dt.timedelta(days=3)
        )
        if forwarded:
            appeal = appeal_forward(
                user=worker, appeal=appeal, forwarded_on=today() - dt.timedelta(days=2)
            )
    return appeal


@pytest.fixture
def benefits(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "swiadczenia")


@pytest.fixture
def manager(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "kierownik")


# --- who sees which form ---------------------------------------------------------------------

PANELS = {
    "application": "Zarejestruj wniosek",
    "interview": "Zaplanuj rodzinny wywiad środowiskowy",
    "decision": "Wydaj decyzję",
    "handover": "Przekaż sprawę innemu zespołowi lub pracownikowi",
    "close": "Zamknij sprawę",
    "authorisation": "Nadaj upoważnienie do wydawania decyzji",
}
VISIBLE = {
    "swiadczenia": {"application", "interview", "decision", "handover", "close"},
    "uslugi": {"application", "interview", "decision", "handover", "close"},
    "pierwszy.kontakt": {"application", "handover", "close"},
    "socjalny": {"handover", "close"},
    "kierownik": set(PANELS),
    "audytor": set(),
}


@pytest.mark.parametrize("username", sorted(VISIBLE))
def test_each_role_sees_the_forms_of_its_capabilities(centre_client: Any, username: str) -> None:
    opened, head = family_case()
    pending_application(opened, head)
    if username in ("socjalny", "pierwszy.kontakt"):
        open_to(SLUG, opened, username)  # the case is the benefits team's
    html = page(centre_client.logged_in(SLUG, username), opened)
    for key, title in PANELS.items():
        shown = f'id="panel-{key}"' in html
        assert shown == (key in VISIBLE[username]), (username, key)
        if shown:
            assert title in html


def test_steps_appear_only_when_there_is_something_to_act_on(benefits: Client) -> None:
    opened, head = family_case()
    html = page(benefits, opened)
    for key in ("interview-record", "decision", "decision-deliver", "delay-notice", "appeal"):
        assert f'id="panel-{key}"' not in html, key
    decision = issued_decision(opened, head, delivered=True)
    html = page(benefits, opened)
    assert 'id="panel-appeal"' in html
    assert 'id="panel-decision-deliver"' not in html  # delivered already
    with schema_context(SLUG):
        appeal_register(user=user(SLUG, "swiadczenia"), decision=decision, lodged_on=today())
    html = page(benefits, opened)
    for key in ("appeal-forward", "appeal-decide"):
        assert f'id="panel-{key}"' in html, key
    assert 'id="panel-appeal"' not in html  # the only decision is appealed already


def test_a_closed_case_offers_no_new_application(benefits: Client) -> None:
    opened, _head = family_case()
    response = benefits.post(
        url("case-close", opened),
        form_data("close", closed_on=today().isoformat(), reason="Poprawa sytuacji."),
    )
    assert response.status_code == 302
    html = page(benefits, opened)
    assert "sprawa zamknięta" in html
    assert 'id="panel-application"' not in html
    assert 'id="panel-handover"' not in html


# --- success paths -----------------------------------------------------------------------------


def test_register_application(benefits: Client) -> None:
    opened, head = family_case()
    response = benefits.post(
        url("case-application", opened),
        form_data(
            "application",
            applicant=_member_id(head),
            received_on=today().isoformat(),
            benefits=["zasilek-okresowy", "zasilek-celowy"],
            urgent="on",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url("case-detail", opened)
    application = get(Application, case=opened)
    assert application.benefits == ["zasilek-okresowy", "zasilek-celowy"]
    assert application.urgent and not application.complex
    html = benefits.get(response["Location"]).content.decode()
    assert "Wniosek zarejestrowano." in html
    # What is due first: the decision on the new application.
    assert "Decyzja w sprawie wniosku z" in html and "zasiłek okresowy, zasiłek celowy" in html
    assert "wnosi o: zasiłek okresowy, zasiłek celowy" in page(benefits, opened)


def _member_id(head: Person) -> str:
    with schema_context(SLUG):
        return str(head.memberships.get().public_id)


def test_schedule_and_record_interview(benefits: Client) -> None:
    opened, head = family_case()
    application = pending_application(opened, head)
    worker = user(SLUG, "swiadczenia")
    response = benefits.post(
        url("case-interview", opened),
        form_data(
            "interview",
            kind="full",
            needed_since=today().isoformat(),
            application=application.public_id,
            worker=worker.public_id,
        ),
    )
    assert response.status_code == 302
    interview = get(FamilyInterview, case=opened)
    assert interview.application_id == application.pk and interview.worker_id == worker.pk
    assert interview.due_on > today()

    response = benefits.post(
        url("case-interview-record", opened),
        form_data(
            "record",
            interview=interview.public_id,
            conducted_on=today().isoformat(),
            diagnosis="Długotrwała choroba, brak dochodu.",
            help_plan="Zasiłek okresowy i praca socjalna.",
        ),
    )
    assert response.status_code == 302
    interview = get(FamilyInterview, pk=interview.pk)
    assert interview.conducted_on == today()
    assert "Wywiad środowiskowy przeprowadzony" in page(benefits, opened)


def test_issue_decision_then_deliver_it(benefits: Client) -> None:
    opened, head = family_case()
    application = pending_application(opened, head)
    conducted_interview(opened, application)
    response = benefits.post(
        url("case-decision", opened),
        form_data(
            "decision",
            application=application.public_id,
            benefit="zasilek-okresowy",
            outcome="grant",
            amount="612,50",
            payment_schedule="monthly",
            period_from=today().isoformat(),
            period_to=(today() + dt.timedelta(days=90)).isoformat(),
            legal_basis="",
            reasoning="Dochód na osobę poniżej kryterium dochodowego.",
            issued_on=today().isoformat(),
        ),
    )
    assert response.status_code == 302, response.content.decode()
    decision = get(Decision, application=application)
    assert decision.amount == Decimal("612.50")
    assert decision.legal_basis  # from the dictionary
    assert get(Application, pk=application.pk).status == "decided"
    html = page(benefits, opened)
    assert decision.number in html
    assert "612,50 zł" in html

    response = benefits.post(
        url("case-decision-deliver", opened),
        form_data("deliver", decision=decision.public_id, delivered_on=today().isoformat()),
    )
    assert response.status_code == 302
    assert get(Decision, pk=decision.pk).delivered_on == today()


def test_send_delay_notice(benefits: Client) -> None:
    opened, head = family_case()
    application = pending_application(opened, head)
    new_due = application.decision_due_on + dt.timedelta(days=14)
    response = benefits.post(
        url("case-delay-notice", opened),
        form_data(
            "delay",
            application=application.public_id,
            sent_on=today().isoformat(),
            new_due_on=new_due.isoformat(),
            reason="Oczekiwanie na zaświadczenie o dochodach z urzędu pracy.",
        ),
    )
    assert response.status_code == 302
    notice = get(DelayNotice, application=application)
    assert notice.new_due_on == new_due
    assert "Zawiadomienie o zwłoce" in page(benefits, opened)


def test_appeal_register_forward_and_outcome(benefits: Client) -> None:
    opened, head = family_case()
    decision = issued_decision(opened, head, delivered=True)
    response = benefits.post(
        url("case-appeal", opened),
        form_data("appeal", decision=decision.public_id, lodged_on=today().isoformat()),
    )
    assert response.status_code == 302
    appeal = get(Appeal, decision=decision)

    response = benefits.post(
        url("case-appeal-forward", opened),
        form_data("forward", appeal=appeal.public_id, forwarded_on=today().isoformat()),
    )
    assert response.status_code == 302
    assert get(Appeal, pk=appeal.pk).forwarded_on == today()

    response = benefits.post(
        url("case-appeal-decide", opened),
        form_data("appeal_outcome", appeal=appeal.public_id, outcome="upheld", outcome_on=today()),
    )
    assert response.status_code == 302
    appeal = get(Appeal, pk=appeal.pk)
    assert (appeal.outcome, appeal.outcome_on) == ("upheld", today())
    html = page(benefits, opened)
    assert "Odwołanie przekazane do SKO" in html
    assert "utrzymana w mocy" in html


def test_handover_and_assign(benefits: Client, manager: Client) -> None:
    opened, _head = family_case()
    with schema_context(SLUG):
        social_team = Team.objects.get(functions__contains=["social_work"])
    social = user(SLUG, "socjalny")
    response = benefits.post(
        url("case-handover", opened),
        form_data(
            "handover",
            team=social_team.public_id,
            function="social_work",
            worker=social.public_id,
            reason="Potrzebna praca socjalna w środowisku.",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    handover = get(Handover, case=opened)
    assert handover.to_worker_id == social.pk
    assert count(CaseAssignment, case=opened, ended_on__isnull=True, worker=social) == 1

    # Handed over, the case has left the benefits worker's scope.
    assert benefits.get(url("case-detail", opened)).status_code == 403
    other = next(u for u in _team_workers(benefits_team()) if u.username != "swiadczenia")
    response = manager.post(
        url("case-assign", opened),
        form_data(
            "assign", team=benefits_team().public_id, function="benefits", worker=other.public_id
        ),
    )
    assert response.status_code == 302
    current = get(CaseAssignment, case=opened, function="benefits", ended_on__isnull=True)
    assert current.worker_id == other.pk
    html = page(manager, opened)
    assert "Przekazanie sprawy" in html and "Potrzebna praca socjalna" in html


def _team_workers(team: Team) -> list[Any]:
    with schema_context(SLUG):
        return [
            p.person for p in team.positions.filter(ended_on__isnull=True, person__isnull=False)
        ]


def test_close_case(benefits: Client) -> None:
    opened, _head = family_case()
    response = benefits.post(
        url("case-close", opened),
        form_data("close", closed_on=today().isoformat(), reason="Usamodzielnienie rodziny."),
        headers=HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == url("case-detail", opened)
    closed = get(Case, pk=opened.pk)
    assert (closed.status, closed.closed_on) == ("closed", today())
    assert count(CaseAssignment, case=opened, ended_on__isnull=True) == 0


def test_manager_grants_authorisation_and_the_new_worker_can_decide(
    manager: Client, centre_client: Any
) -> None:
    opened, head = family_case()
    newcomer = _new_benefits_worker()
    worker_client = centre_client.logged_in(SLUG, newcomer.username)
    application = pending_application(opened, head)
    conducted_interview(opened, application)
    html = page(worker_client, opened)
    assert "Nie masz ważnego upoważnienia kierownika" in html

    response = manager.post(
        url("case-authorisation", opened),
        form_data(
            "authorisation",
            worker=newcomer.public_id,
            reference="DAL/UPR/2026/99",
            valid_from=today().isoformat(),
        ),
    )
    assert response.status_code == 302
    assert count(DecisionAuthorisation, worker=newcomer, reference="DAL/UPR/2026/99") == 1
    html = page(worker_client, opened)
    assert "Nie masz ważnego upoważnienia kierownika" not in html


def _new_benefits_worker() -> Any:
    from tenants.accounts.services import account_create
    from tenants.demo import DEMO_PASSWORD
    from tenants.org.models import StaffPosition

    with schema_context(SLUG):
        worker = account_create(
            schema_name=SLUG,
            username=f"nowy.{uuid4().hex[:6]}",
            role="benefits",
            password=DEMO_PASSWORD,
            first_name="Nowy",
            last_name="Pracownik",
        )
        StaffPosition.objects.create(
            team=benefits_team(),
            person=worker,
            job_title="pracownik socjalny",
            fte=Decimal("1.00"),
            is_social_worker=True,
            started_on=today() - dt.timedelta(days=30),
        )
    return worker


# --- refused input: inline errors, input kept, nothing saved --------------------------------------


def test_application_errors_inline_with_input_kept(benefits: Client) -> None:
    opened, head = family_case()
    future = (today() + dt.timedelta(days=3)).isoformat()
    response = benefits.post(
        url("case-application", opened),
        form_data(
            "application",
            applicant=_member_id(head),
            received_on=future,
            benefits=["zasilek-okresowy"],
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form"), "htmx gets the form alone"
    assert "Data nie może być w przyszłości." in html
    assert 'class="field-error"' in html
    assert f'value="{future}"' in html
    assert re.search(r'<input[^>]*value="zasilek-okresowy"[^>]*checked', html)
    assert count(Application, case=opened) == 0


def test_missing_required_fields_are_named_in_polish(benefits: Client) -> None:
    opened, _head = family_case()
    response = benefits.post(url("case-application", opened), form_data("application"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html, "without htmx a whole page with the form"
    assert "<h1>Zarejestruj wniosek" in html
    assert "To pole jest wymagane." in html
    assert "Nie zapisano – popraw zaznaczone pola." in html
    assert count(Application, case=opened) == 0


def test_decision_without_interview_is_refused(benefits: Client) -> None:
    opened, head = family_case()
    application = pending_application(opened, head)
    reasoning = "Uzasadnienie, które ma zostać w formularzu."
    response = benefits.post(
        url("case-decision", opened),
        form_data(
            "decision",
            application=application.public_id,
            benefit="zasilek-okresowy",
            outcome="grant",
            amount="300",
            period_from=today().isoformat(),
            reasoning=reasoning,
            issued_on=today().isoformat(),
        ),
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Brak rodzinnego wywiadu środowiskowego" in html
    assert reasoning in html
    assert count(Decision, application=application) == 0


def test_decision_without_authorisation_is_refused_inline(centre_client: Any) -> None:
    opened, head = family_case()
    newcomer = _new_benefits_worker()
    client = centre_client.logged_in(SLUG, newcomer.username)
    application = pending_application(opened, head)
    conducted_interview(opened, application)
    response = client.post(
        url("case-decision", opened),
        form_data(
            "decision",
            application=application.public_id,
            benefit="zasilek-okresowy",
            outcome="refuse",
            reasoning="Dochód powyżej kryterium.",
            issued_on=today().isoformat(),
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Nie masz ważnego upoważnienia kierownika" in response.content.decode()
    assert count(Decision, application=application) == 0


def test_late_appeal_is_refused_on_its_date(benefits: Client) -> None:
    opened, head = family_case()
    decision = issued_decision(opened, head)
    with schema_context(SLUG):
        decision_deliver(
            user=user(SLUG, "swiadczenia"),
            decision=decision,
            delivered_on=today() - dt.timedelta(days=5),
        )
        Decision.objects.filter(pk=decision.pk).update(
            issued_on=today() - dt.timedelta(days=40), delivered_on=today() - dt.timedelta(days=30)
        )
    response = benefits.post(
        url("case-appeal", opened),
        form_data("appeal", decision=decision.public_id, lodged_on=today().isoformat()),
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Odwołanie wniesiono po terminie" in html
    assert count(Appeal, decision=decision) == 0


def test_choice_outside_the_case_is_refused(benefits: Client) -> None:
    opened, _head = family_case()
    other_case, other_head = family_case("Obca")
    foreign = pending_application(other_case, other_head)
    response = benefits.post(
        url("case-delay-notice", opened),
        form_data(
            "delay",
            application=foreign.public_id,
            sent_on=today().isoformat(),
            new_due_on=(today() + dt.timedelta(days=60)).isoformat(),
            reason="Zwłoka.",
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Wybierz poprawną wartość" in response.content.decode()
    assert count(DelayNotice, application=foreign) == 0


def test_close_before_opening_is_refused(benefits: Client) -> None:
    opened, _head = family_case()
    early = (opened.opened_on - dt.timedelta(days=1)).isoformat()
    response = benefits.post(
        url("case-close", opened),
        form_data("close", closed_on=early, reason="Pomyłka."),
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Data zamknięcia nie może być przed datą otwarcia sprawy." in html
    assert f'value="{early}"' in html
    assert get(Case, pk=opened.pk).status == "open"


def test_handover_to_a_worker_outside_the_team_is_refused(benefits: Client) -> None:
    opened, _head = family_case()
    with schema_context(SLUG):
        social_team = Team.objects.get(functions__contains=["social_work"])
    response = benefits.post(
        url("case-handover", opened),
        form_data(
            "handover",
            team=social_team.public_id,
            worker=user(SLUG, "swiadczenia").public_id,
            reason="Próba.",
        ),
        headers=HTMX,
    )
    html = response.content.decode()
    assert "nie pracuje w komórce" in html
    assert count(Handover, case=opened) == 0


# --- refused users and unknown records -------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "step"),
    [
        ("socjalny", "case-application"),
        ("socjalny", "case-decision"),
        ("pierwszy.kontakt", "case-interview"),
        ("audytor", "case-handover"),
        ("audytor", "case-close"),
        ("swiadczenia", "case-authorisation"),
    ],
)
def test_a_role_without_the_capability_gets_403(
    centre_client: Any, username: str, step: str
) -> None:
    opened, _head = family_case()
    open_to(SLUG, opened, username)  # in the user's scope: the refusal is the capability's
    client = centre_client.logged_in(SLUG, username)
    response = client.post(url(step, opened), {"close-reason": "x", "close-closed_on": today()})
    assert response.status_code == 403
    assert "nie może" in response.content.decode()
    assert client.get(url(step, opened)).status_code == 403
    assert get(Case, pk=opened.pk).status == "open"


def test_unknown_case_is_404(benefits: Client) -> None:
    missing = uuid4()
    assert benefits.get(url("case-detail", case_id=missing)).status_code == 404
    response = benefits.post(
        url("case-close", case_id=missing),
        form_data("close", closed_on=today().isoformat(), reason="x"),
    )
    assert response.status_code == 404


def test_step_page_without_javascript(benefits: Client) -> None:
    opened, _head = family_case()
    response = benefits.get(url("case-delay-notice", opened))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Zawiadom o niezałatwieniu sprawy w terminie" in html
    assert f'action="{url("case-delay-notice", opened)}"' in html
    assert "Wróć bez zapisywania" in html


def test_anonymous_user_is_sent_to_log_in(centre_client: Any) -> None:
    opened, _head = family_case()
    response = centre_client(SLUG).get(url("case-detail", opened))
    assert response.status_code == 302
    assert "/konto/logowanie/" in response["Location"]


# --- the decision form offers only what can be decided --------------------------------------------


def _decision_form_html(html: str) -> str:
    start = html.index('id="form-decision"')
    return html[start : html.index("</form>", start)]


def test_decision_form_offers_only_benefits_still_to_decide(benefits: Client) -> None:
    opened, head = family_case("Dwuświadczeniowa")
    with schema_context(SLUG):
        application = application_register(
            user=user(SLUG, "swiadczenia"),
            case=opened,
            applicant=head,
            received_on=today() - dt.timedelta(days=10),
            benefits=["zasilek-okresowy", "zasilek-celowy"],
        )
    conducted_interview(opened, application)
    with schema_context(SLUG):
        decision_issue(
            user=user(SLUG, "swiadczenia"),
            application=application,
            benefit="zasilek-okresowy",
            outcome="grant",
            reasoning="Dochód poniżej kryterium.",
            issued_on=today() - dt.timedelta(days=2),
            amount=Decimal("300.00"),
            period_from=today() - dt.timedelta(days=2),
        )
    form = _decision_form_html(page(benefits, opened))
    assert 'value="zasilek-celowy"' in form
    assert 'value="zasilek-okresowy"' not in form  # decided: no longer offered
    # "Przyznane od" is marked as required when the benefit is granted.
    label = form[form.index('for="id_decision-period_from"') :]
    label = label[: label.index("</label>")]
    assert 'class="req"' in label and "przy przyznaniu" in label

    # A post of the decided benefit is refused at the field, in Polish, before any service.
    response = benefits.post(
        url("case-decision", opened),
        form_data(
            "decision",
            application=application.public_id,
            benefit="zasilek-okresowy",
            outcome="refuse",
            reasoning="Ponownie.",
            issued_on=today().isoformat(),
        ),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Wybierz poprawną wartość" in response.content.decode() or (
        "wydano już decyzję" in response.content.decode()
    )
    assert count(Decision, application=application) == 1


def test_decision_step_is_gone_when_every_benefit_is_decided(benefits: Client) -> None:
    opened, head = family_case("Rozstrzygnięta")
    issued_decision(opened, head)
    html = page(benefits, opened)
    assert 'id="form-decision"' not in html
