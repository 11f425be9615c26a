"""Social work and care services on the case file's pages: social contracts from draft to outcome,
individual programmes, projects, care service plans with delivered hours, and the activity log.
Each form's success path, its inline Polish errors (input kept, nothing saved), 403 for a role
without the capability and 404 for unknown ids; the case-file panel's context per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.audit import Actor, acting_as
from casework.calendar_days import next_working_day_if_needed
from casework.models import (
    ActivityEntry,
    AuditEntry,
    Case,
    ContractReview,
    IndividualProgramme,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.people import Relation
from casework.selectors.care import service_plan_balance
from casework.services.care import service_delivery_record, service_plan_create
from casework.services.people import household_member_add
from casework.services.socialwork import (
    contract_create,
    contract_review_plan,
    contract_sign,
    programme_create,
    project_create,
)
from casework.ui.socialwork.panel import SocialWorkPanel, case_panel_context
from casework.ui.socialwork_forms import object_key
from tests.casework.factories import case, household, open_to, person, user

pytestmark = pytest.mark.django_db
SLUG = "daleszyce"
TODAY = timezone.localdate


def _count(model: Any, **filters: Any) -> int:
    with schema_context(SLUG):
        return int(model.objects.filter(**filters).count())


def _get(model: Any, **filters: Any) -> Any:
    with schema_context(SLUG):
        return model.objects.get(**filters)


def _prefixed(prefix: str, **values: Any) -> dict[str, str]:
    return {f"{prefix}-{name}": str(value) for name, value in values.items()}


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"casework-ui:{name}", kwargs=kwargs, urlconf="opsplatform.urls_tenant")


@pytest.fixture
def family() -> tuple[Case, Person]:
    """An open case of a one-person household at Daleszyce, with social work and services:
    (case, head)."""
    head = person(SLUG, last_name="Kontraktowa", city="Daleszyce")
    # Assigned to the social worker's and the services coordinator's teams (their scope).
    return open_to(SLUG, case(SLUG, household(SLUG, head)), "socjalny", "uslugi"), head


@pytest.fixture
def social(centre_client: Any) -> Client:
    return centre_client.logged_in(SLUG, "socjalny")


def _contract_data(head: Person, **changes: Any) -> dict[str, str]:
    today = TODAY()
    values = {
        "person": head.public_id,
        "variant": "standard",
        "starts_on": (today - dt.timedelta(days=5)).isoformat(),
        "ends_on": (today + dt.timedelta(days=85)).isoformat(),
        "goals": "Podjęcie zatrudnienia i uregulowanie zaległości czynszowych.",
        "client_obligations": "Rejestracja w PUP, udział w warsztatach.",
        "centre_obligations": "Konsultacje raz w tygodniu.",
    } | changes
    return _prefixed("kontrakt", **values)


def _draft(family: tuple[Case, Person], **changes: Any) -> SocialContract:
    opened, head = family
    today = TODAY()
    values: dict[str, Any] = {
        "variant": "standard",
        "goals": "Cel testowy.",
        "client_obligations": "Zobowiązania osoby.",
        "centre_obligations": "Zobowiązania ośrodka.",
        "starts_on": today - dt.timedelta(days=5),
        "ends_on": today + dt.timedelta(days=85),
    } | changes
    with schema_context(SLUG):
        return contract_create(user=user(SLUG, "socjalny"), case=opened, person=head, **values)


def _signed(family: tuple[Case, Person]) -> SocialContract:
    contract = _draft(family)
    with schema_context(SLUG):
        return contract_sign(
            user=user(SLUG, "socjalny"), contract=contract, signed_on=TODAY() - dt.timedelta(days=3)
        )


# --- the case file's panel ---------------------------------------------------------------------


def _panel(username: str, opened: Case) -> SocialWorkPanel:
    request = RequestFactory().get("/", HTTP_HOST=f"{SLUG}.localhost")
    with schema_context(SLUG):
        request.user = account = user(SLUG, username)
        # As AuditActorMiddleware does for a page request.
        with acting_as(Actor.for_user(account)):
            panel = case_panel_context(request, opened)["socialwork"]
    assert isinstance(panel, SocialWorkPanel)
    return panel


def test_panel_lists_the_case_s_social_work_with_forms_for_the_social_worker(
    family: tuple[Case, Person],
) -> None:
    contract = _draft(family)
    with schema_context(SLUG):
        contract_review_plan(
            user=user(SLUG, "socjalny"), contract=contract, due_on=TODAY() + dt.timedelta(days=30)
        )
    panel = _panel("socjalny", family[0])
    assert [item.contract.pk for item in panel.contracts] == [contract.pk]
    assert [review.due_on for review in panel.contracts[0].contract.reviews.all()] == [
        TODAY() + dt.timedelta(days=30)
    ]
    titles = [action.title for action in panel.contracts[0].actions]
    assert titles == ["Podpisanie kontraktu", "Zaplanuj ocenę realizacji"]
    assert panel.new_contract is not None and panel.new_programme is not None
    assert panel.new_plan is None  # care services are the services team's
    assert panel.log_time is not None
    person_choices = panel.new_contract.form.fields["person"].choices  # type: ignore[attr-defined]  # a ChoiceField
    assert (str(family[1].public_id), "Anna Kontraktowa – osoba prowadząca gospodarstwo") in (
        person_choices
    )
    # Listing the contract is a read of the person's data, attributed to the social worker.
    read = _get(
        AuditEntry, action="read", object_id=str(contract.public_id), actor_username="socjalny"
    )
    assert read.person_id == str(family[1].public_id)


def test_panel_offers_each_role_only_its_own_steps(family: tuple[Case, Person]) -> None:
    _draft(family)
    services = _panel("uslugi", family[0])
    assert services.new_plan is not None
    assert services.new_contract is None and services.contracts[0].actions == []
    auditor = _panel("audytor", family[0])
    assert len(auditor.contracts) == 1  # sees the contract …
    assert auditor.contracts[0].actions == []  # … but may not act on it
    assert auditor.new_contract is auditor.new_plan is auditor.log_time is None


def test_panel_shows_plans_with_hours_planned_against_delivered(
    family: tuple[Case, Person],
) -> None:
    opened, head = family
    start = TODAY() - dt.timedelta(days=14)
    with schema_context(SLUG):
        plan = service_plan_create(
            user=user(SLUG, "uslugi"),
            case=opened,
            recipient=head,
            service_type="uslugi-opiekuncze",
            provider_kind="in_house",
            hours_per_week=Decimal(10),
            starts_on=start,
            hourly_cost=Decimal("35.00"),
            fee_rule="free",
        )
    panel = _panel("uslugi", opened)
    item = panel.plans[0]
    assert item.plan.pk == plan.pk
    assert item.balance.covered_from == start and item.balance.planned_hours > 0
    assert item.balance.delivered_hours == 0 and item.delivered_percent == 0
    assert [action.title for action in item.actions] == ["Zapisz realizację usług"]


def _plans(opened: Case, head: Person, count: int) -> list[ServicePlan]:
    """``count`` service plans of the case, each with hours delivered on a working day."""
    start = TODAY() - dt.timedelta(days=30)
    day = next_working_day_if_needed(start + dt.timedelta(days=1))
    coordinator = user(SLUG, "uslugi")
    plans = []
    with schema_context(SLUG):
        for index in range(count):
            plan = service_plan_create(
                user=coordinator,
                case=opened,
                recipient=head,
                service_type="uslugi-opiekuncze",
                provider_kind="in_house",
                hours_per_week=Decimal(5 + index),
                starts_on=start,
                ends_on=TODAY() - dt.timedelta(days=3) if index == 1 else None,
                hourly_cost=Decimal("35.00"),
                fee_rule="free",
            )
            service_delivery_record(
                user=coordinator, plan=plan, day=day, hours=Decimal(index + 1), carer="Opiekunka"
            )
            plans.append(plan)
    return plans


def test_case_file_queries_do_not_grow_with_the_service_plans(
    family: tuple[Case, Person], centre_client: Any
) -> None:
    opened, head = family
    services = centre_client.logged_in(SLUG, "uslugi")
    detail = _url("case-detail", case_id=opened.public_id)
    _plans(opened, head, 1)
    assert services.get(detail).status_code == 200  # warm the per-process caches
    with CaptureQueriesContext(connection) as one_plan:
        assert services.get(detail).status_code == 200
    _plans(opened, head, 2)
    with CaptureQueriesContext(connection) as three_plans:
        response = services.get(detail)
    assert response.status_code == 200
    assert len(three_plans.captured_queries) == len(one_plan.captured_queries)
    # The balances read together are the ones the API reads plan by plan.
    panel = _panel("uslugi", opened)
    assert len(panel.plans) == 3
    with schema_context(SLUG):
        for item in panel.plans:
            end = min(item.plan.ends_on or TODAY(), TODAY())
            alone = service_plan_balance(plan=item.plan, date_from=item.plan.starts_on, date_to=end)
            assert item.balance == alone
            assert item.balance.delivered_hours > 0


def test_social_work_page_renders_the_panel(
    family: tuple[Case, Person], social: Client, centre_client: Any
) -> None:
    contract = _draft(family)
    response = social.get(_url("case-socialwork", case_id=family[0].public_id))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Kontrakty socjalne",
        "Programy indywidualne",
        "Usługi opiekuńcze",
        "Nowy kontrakt socjalny",
        "Podpisanie kontraktu",
        "Czas pracy w tej sprawie",
        'name="czas-minutes"',
        _url("contract-detail", contract_id=contract.public_id),
    ):
        assert text in html, text
    assert html.count("<h1") == 1
    assert "Nowy plan usług opiekuńczych" not in html
    services = centre_client.logged_in(SLUG, "uslugi")
    html = services.get(_url("case-socialwork", case_id=family[0].public_id)).content.decode()
    assert "Nowy plan usług opiekuńczych" in html
    assert "Nowy kontrakt socjalny" not in html and "Podpisanie kontraktu" not in html


# --- social contracts ------------------------------------------------------------------------


def test_social_worker_drafts_a_contract(family: tuple[Case, Person], social: Client) -> None:
    opened, head = family
    response = social.post(_url("contract-create", case_id=opened.public_id), _contract_data(head))
    contract = _get(SocialContract, case=opened)
    assert response.status_code == 302
    assert response["Location"] == _url("contract-detail", contract_id=contract.public_id)
    assert contract.status == "draft" and contract.person_id == head.pk
    assert _get(AuditEntry, action="create", object_id=str(contract.public_id)).actor_username == (
        "socjalny"
    )
    page = social.get(response["Location"]).content.decode()
    assert "Zapisano projekt kontraktu socjalnego" in page
    assert "Podjęcie zatrudnienia i uregulowanie zaległości czynszowych." in page
    assert "Podpisanie kontraktu" in page


def test_manager_drafts_a_contract_for_a_social_worker(
    family: tuple[Case, Person], centre_client: Any
) -> None:
    opened, head = family
    manager = centre_client.logged_in(SLUG, "kierownik")
    form_page = manager.get(_url("contract-create", case_id=opened.public_id))
    assert form_page.status_code == 200
    assert "Pracownik socjalny – strona kontraktu" in form_page.content.decode()
    social_worker = user(SLUG, "socjalny")
    response = manager.post(
        _url("contract-create", case_id=opened.public_id),
        _contract_data(head) | {"kontrakt-worker": str(social_worker.public_id)},
    )
    assert response.status_code == 302
    assert _get(SocialContract, case=opened).worker_id == social_worker.pk
    # The social worker is the party himself: no such choice.
    social = centre_client.logged_in(SLUG, "socjalny")
    html = social.get(_url("contract-create", case_id=opened.public_id)).content.decode()
    assert "Pracownik socjalny – strona kontraktu" not in html


def test_contract_errors_are_inline_in_polish_and_nothing_is_saved(
    family: tuple[Case, Person], social: Client
) -> None:
    opened, head = family
    today = TODAY()
    url = _url("contract-create", case_id=opened.public_id)
    # The service's rule: the end before the start.
    response = social.post(
        url, _contract_data(head, ends_on=(today - dt.timedelta(days=30)).isoformat())
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kontrakt nie może kończyć się przed dniem rozpoczęcia." in html
    assert "Nie zapisano – popraw zaznaczone pola." in html
    assert "Rejestracja w PUP, udział w warsztatach." in html  # the input is kept
    assert "<html" in html  # a whole page for a plain post
    # The form's own check: a required field left blank (htmx gets the form alone).
    response = social.post(url, _contract_data(head, goals=""), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "To pole jest wymagane." in html and "<html" not in html
    assert html.lstrip().startswith("<form")
    # Someone outside the household.
    stranger = person(SLUG, last_name="Obca")
    response = social.post(url, _contract_data(head, person=stranger.public_id))
    assert "Wybierz poprawną wartość" in response.content.decode()
    assert _count(SocialContract, case=opened) == 0


def test_htmx_success_answers_with_a_redirect_header(
    family: tuple[Case, Person], social: Client
) -> None:
    opened, head = family
    response = social.post(
        _url("contract-create", case_id=opened.public_id),
        _contract_data(head),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    contract = _get(SocialContract, case=opened)
    assert response["HX-Redirect"] == _url("contract-detail", contract_id=contract.public_id)


def test_contract_signed_reviewed_and_completed_from_its_page(
    family: tuple[Case, Person], social: Client
) -> None:
    contract = _draft(family)
    key = object_key(contract.public_id)
    detail = _url("contract-detail", contract_id=contract.public_id)
    today = TODAY()

    response = social.post(
        _url("contract-sign", contract_id=contract.public_id),
        _prefixed(f"podpis-{key}", signed_on=today.isoformat()) | {"wroc": "kontrakt"},
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert _get(SocialContract, pk=contract.pk).status == "active"

    due = today + dt.timedelta(days=20)
    response = social.post(
        _url("contract-review-plan", contract_id=contract.public_id),
        _prefixed(f"termin-{key}", due_on=due.isoformat()) | {"wroc": "kontrakt"},
    )
    assert response.status_code == 302
    review = _get(ContractReview, contract=contract)
    assert review.due_on == due and review.done_on is None

    page = social.get(detail).content.decode()
    assert "Zapisz ocenę zaplanowaną na" in page and "Zakończenie kontraktu" in page
    response = social.post(
        _url("contract-review-record", contract_id=contract.public_id, review_id=review.public_id),
        _prefixed(
            f"ocena-{object_key(review.public_id)}",
            done_on=today.isoformat(),
            note="Osoba zarejestrowała się w PUP.",
        )
        | {"wroc": "kontrakt"},
    )
    assert response.status_code == 302
    assert _get(ContractReview, pk=review.pk).note == "Osoba zarejestrowała się w PUP."

    response = social.post(
        _url("contract-complete", contract_id=contract.public_id),
        _prefixed(
            f"koniec-{key}",
            closed_on=today.isoformat(),
            goals_achieved="tak",
            outcome_note="Cele osiągnięte: zatrudnienie od przyszłego miesiąca.",
        ),
    )
    # Without "wroc" the step returns to the case file, at the contract.
    assert response.status_code == 302
    assert response["Location"].endswith(f"#kontrakt-{key}")
    done = _get(SocialContract, pk=contract.pk)
    assert done.status == "completed" and done.goals_achieved is True
    page = social.get(detail).content.decode()
    assert "Cele osiągnięte: zatrudnienie od przyszłego miesiąca." in page
    assert "Dalsze kroki" not in page  # nothing left to do


def test_contract_step_errors_stay_on_the_form(family: tuple[Case, Person], social: Client) -> None:
    contract = _draft(family)
    key = object_key(contract.public_id)
    url = _url("contract-sign", contract_id=contract.public_id)
    tomorrow = TODAY() + dt.timedelta(days=1)
    response = social.post(url, _prefixed(f"podpis-{key}", signed_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert "Data nie może być w przyszłości." in response.content.decode()
    assert _get(SocialContract, pk=contract.pk).status == "draft"
    # A review outside the contract's period.
    response = social.post(
        _url("contract-review-plan", contract_id=contract.public_id),
        _prefixed(f"termin-{key}", due_on=(TODAY() + dt.timedelta(days=400)).isoformat()),
        HTTP_HX_REQUEST="true",
    )
    assert "Termin oceny musi przypadać w okresie kontraktu" in response.content.decode()
    assert _count(ContractReview, contract=contract) == 0
    # Completing a draft: a conflict, said on the form.
    response = social.post(
        _url("contract-complete", contract_id=contract.public_id),
        _prefixed(
            f"koniec-{key}", closed_on=TODAY().isoformat(), goals_achieved="nie", outcome_note="x"
        ),
    )
    assert response.status_code == 200
    assert "Nie można zakończyć kontraktu" in response.content.decode()
    assert _get(SocialContract, pk=contract.pk).status == "draft"


def test_contract_broken(family: tuple[Case, Person], social: Client) -> None:
    contract = _signed(family)
    key = object_key(contract.public_id)
    response = social.post(
        _url("contract-break", contract_id=contract.public_id),
        _prefixed(
            f"zerwanie-{key}",
            closed_on=TODAY().isoformat(),
            outcome_note="Osoba przestała uczestniczyć w konsultacjach.",
        ),
    )
    assert response.status_code == 302
    broken = _get(SocialContract, pk=contract.pk)
    assert broken.status == "broken" and broken.goals_achieved is False


@pytest.mark.parametrize("username", ["pierwszy.kontakt", "audytor", "uslugi"])
def test_roles_without_contracts_are_refused(
    family: tuple[Case, Person], centre_client: Any, username: str
) -> None:
    contract = _draft(family)
    open_to(SLUG, family[0], username)  # in scope (first contact: break-glass), yet refused
    client = centre_client.logged_in(SLUG, username)
    key = object_key(contract.public_id)
    response = client.post(
        _url("contract-sign", contract_id=contract.public_id),
        _prefixed(f"podpis-{key}", signed_on=TODAY().isoformat()),
    )
    assert response.status_code == 403
    assert "nie może zawierać kontraktów socjalnych" in response.content.decode()
    assert _get(SocialContract, pk=contract.pk).status == "draft"
    response = client.post(
        _url("contract-create", case_id=family[0].public_id), _contract_data(family[1])
    )
    assert response.status_code == 403
    assert _count(SocialContract, case=family[0]) == 1
    # Reading the contract is every staff member's; the forms are not shown.
    page = client.get(_url("contract-detail", contract_id=contract.public_id))
    assert page.status_code == 200
    assert "Podpisanie kontraktu" not in page.content.decode()


def test_contract_page_links_to_the_case_file_and_the_documents(
    family: tuple[Case, Person], social: Client
) -> None:
    contract = _signed(family)
    html = social.get(_url("contract-detail", contract_id=contract.public_id)).content.decode()
    assert "Kontrakt socjalny – Anna Kontraktowa" in html
    assert "Wróć do akt sprawy" in html
    assert html.count("<h1") == 1
    for name in ("contract-print", "contract-pdf"):
        try:
            document = _url(name, contract_id=contract.public_id)
        except NoReverseMatch:
            continue  # the documents' pages are not installed yet
        assert f'href="{document}"' in html


def test_unknown_ids_are_404(family: tuple[Case, Person], social: Client) -> None:
    contract = _draft(family)
    assert social.get(_url("contract-detail", contract_id=uuid4())).status_code == 404
    assert social.get(_url("contract-create", case_id=uuid4())).status_code == 404
    assert social.get(_url("case-socialwork", case_id=uuid4())).status_code == 404
    missing_review = _url(
        "contract-review-record", contract_id=contract.public_id, review_id=uuid4()
    )
    assert social.post(missing_review, {}).status_code == 404
    assert social.post(_url("service-delivery-record", plan_id=uuid4()), {}).status_code in (
        403,  # the social worker plans no services: refused before the lookup
        404,
    )


def test_portal_user_and_anonymous_are_kept_out(
    family: tuple[Case, Person], centre_client: Any
) -> None:
    contract = _draft(family)
    url = _url("contract-detail", contract_id=contract.public_id)
    response = centre_client(SLUG).get(url)
    assert response.status_code == 302 and "/konto/logowanie/" in response["Location"]


# --- individual programmes ---------------------------------------------------------------------


def test_programme_started_and_completed(family: tuple[Case, Person], social: Client) -> None:
    opened, head = family
    response = social.post(
        _url("programme-create", case_id=opened.public_id),
        _prefixed(
            "program",
            person=head.public_id,
            kind="independence",
            starts_on=(TODAY() - dt.timedelta(days=30)).isoformat(),
            ends_on="",
            goals="Samodzielne mieszkanie.",
        ),
    )
    assert response.status_code == 302 and response["Location"].endswith("#programy")
    programme = _get(IndividualProgramme, case=opened)
    assert programme.status == "active" and programme.goals == "Samodzielne mieszkanie."
    key = object_key(programme.public_id)
    kwargs = {"case_id": opened.public_id, "programme_id": programme.public_id}
    response = social.post(
        _url("programme-complete", **kwargs),
        _prefixed(f"zakonczenie-{key}", ends_on=(TODAY() - dt.timedelta(days=60)).isoformat()),
    )
    assert response.status_code == 200
    assert "Data zakończenia nie może być przed rozpoczęciem programu." in (
        response.content.decode()
    )
    response = social.post(
        _url("programme-discontinue", **kwargs),
        _prefixed(f"przerwanie-{key}", ends_on=TODAY().isoformat()),
    )
    assert response.status_code == 302
    assert _get(IndividualProgramme, pk=programme.pk).status == "discontinued"


def test_programme_errors_and_foreign_case(family: tuple[Case, Person], social: Client) -> None:
    opened, head = family
    response = social.post(
        _url("programme-create", case_id=opened.public_id),
        _prefixed(
            "program",
            person=head.public_id,
            kind="independence",
            starts_on=TODAY().isoformat(),
            ends_on=(TODAY() - dt.timedelta(days=1)).isoformat(),
            goals="",
        ),
    )
    assert response.status_code == 200
    assert "Program nie może kończyć się przed dniem rozpoczęcia." in response.content.decode()
    assert _count(IndividualProgramme, case=opened) == 0
    with schema_context(SLUG):
        programme = programme_create(
            user=user(SLUG, "socjalny"),
            case=opened,
            person=head,
            kind="homelessness",
            starts_on=TODAY(),
        )
    other = open_to(SLUG, case(SLUG), "socjalny")  # the worker's too: 404, not out of scope
    url = _url("programme-complete", case_id=other.public_id, programme_id=programme.public_id)
    assert social.post(url, {}).status_code == 404


# --- projects ----------------------------------------------------------------------------------


def test_household_member_joins_and_leaves_a_project(
    family: tuple[Case, Person], social: Client
) -> None:
    opened, _head = family
    with schema_context(SLUG):
        worker = user(SLUG, "socjalny")
        child = person(SLUG, first_name="Jan", last_name="Kontraktowy")
        household_member_add(
            user=worker, household=opened.household, person=child, relation=Relation.CHILD
        )
        project = project_create(
            user=worker,
            name="Klub młodzieżowy",
            kind="social_project",
            starts_on=TODAY() - dt.timedelta(days=10),
        )
    response = social.post(
        _url("participant-add", case_id=opened.public_id),
        _prefixed(
            "projekt",
            project=project.public_id,
            person=child.public_id,
            joined_on=TODAY().isoformat(),
        ),
    )
    assert response.status_code == 302 and response["Location"].endswith("#projekty")
    participation = _get(ProjectParticipation, project=project, person=child)
    html = social.get(_url("case-socialwork", case_id=opened.public_id)).content.decode()
    assert "Klub młodzieżowy" in html and "Jan Kontraktowy" in html
    # The same person again: a conflict shown on the field.
    response = social.post(
        _url("participant-add", case_id=opened.public_id),
        _prefixed(
            "projekt",
            project=project.public_id,
            person=child.public_id,
            joined_on=TODAY().isoformat(),
        ),
    )
    assert "Osoba już uczestniczy w projekcie." in response.content.decode()
    response = social.post(
        _url(
            "participant-remove",
            case_id=opened.public_id,
            project_id=project.public_id,
            participation_id=participation.public_id,
        ),
        _prefixed(f"udzial-{object_key(participation.public_id)}", left_on=TODAY().isoformat()),
    )
    assert response.status_code == 302
    assert _get(ProjectParticipation, pk=participation.pk).left_on == TODAY()


# --- care services -----------------------------------------------------------------------------


def _plan_data(head: Person, **changes: Any) -> dict[str, str]:
    values = {
        "recipient": head.public_id,
        "service_type": "uslugi-opiekuncze",
        "provider_kind": "in_house",
        "provider_name": "",
        "hours_per_week": "7,5",
        "hourly_cost": "32,50",
        "starts_on": (TODAY() - dt.timedelta(days=7)).isoformat(),
        "ends_on": "",
        "fee_rule": "percent",
        "fee_percent": "20",
    } | changes
    return _prefixed("uslugi", **values)


def test_services_coordinator_plans_services_and_records_hours(
    family: tuple[Case, Person], centre_client: Any
) -> None:
    opened, head = family
    services = centre_client.logged_in(SLUG, "uslugi")
    response = services.post(
        _url("service-plan-create", case_id=opened.public_id), _plan_data(head)
    )
    assert response.status_code == 302 and response["Location"].endswith("#uslugi")
    plan = _get(ServicePlan, case=opened)
    assert plan.hours_per_week == Decimal("7.5") and plan.hourly_cost == Decimal("32.5")
    assert plan.fee_percent == Decimal(20)
    key = object_key(plan.public_id)
    url = _url("service-delivery-record", plan_id=plan.public_id)
    data = _prefixed(f"realizacja-{key}", day=TODAY().isoformat(), hours="2,5", carer="B. Nowak")
    response = services.post(url, data)
    assert response.status_code == 302
    assert _get(ServiceDelivery, plan=plan).hours == Decimal("2.5")
    # The same day twice: refused on the day field, nothing added.
    response = services.post(url, data)
    assert response.status_code == 200
    assert "Dla tego dnia zapisano już realizację" in response.content.decode()
    assert _count(ServiceDelivery, plan=plan) == 1
    html = services.get(_url("case-socialwork", case_id=opened.public_id)).content.decode()
    assert "zrealizowano 2,50 godz." in html


def test_service_plan_errors_are_inline(family: tuple[Case, Person], centre_client: Any) -> None:
    opened, head = family
    services = centre_client.logged_in(SLUG, "uslugi")
    url = _url("service-plan-create", case_id=opened.public_id)
    response = services.post(url, _plan_data(head, fee_percent=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Przy odpłatności procentowej podaj procent odpłatności." in html
    assert 'value="7,5"' in html  # kept as typed
    response = services.post(url, _plan_data(head, provider_kind="contracted", fee_rule="free"))
    html = response.content.decode()
    assert "Podaj nazwę podmiotu, któremu zlecono usługi." in html
    assert "Procent odpłatności podaje się tylko przy odpłatności procentowej." in html
    assert _count(ServicePlan, case=opened) == 0


def test_social_worker_may_not_plan_services(family: tuple[Case, Person], social: Client) -> None:
    response = social.post(
        _url("service-plan-create", case_id=family[0].public_id), _plan_data(family[1])
    )
    assert response.status_code == 403
    assert "nie może planować usług" in response.content.decode()
    assert _count(ServicePlan, case=family[0]) == 0


# --- activity log ------------------------------------------------------------------------------


def test_time_logged_on_the_case_file(family: tuple[Case, Person], social: Client) -> None:
    opened, _head = family
    url = _url("case-activity-log", case_id=opened.public_id)
    before = _count(ActivityEntry, household=opened.household)
    data = _prefixed("czas", minutes=45, category="social_work", day=TODAY().isoformat())
    response = social.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#czas-pracy")
    assert _count(ActivityEntry, household=opened.household) == before + 1
    page = social.get(response["Location"].split("#")[0]).content.decode()
    assert "Zapisano 45 min: praca socjalna." in page
    response = social.post(url, data | {"czas-minutes": "1000"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Czas czynności to od 1 do 960 minut (16 godzin)." in response.content.decode()
    assert _count(ActivityEntry, household=opened.household) == before + 1
    assert social.get(url).status_code == 405


def test_activity_page(social: Client, centre_client: Any) -> None:
    url = _url("activity-log")
    page = social.get(url)
    assert page.status_code == 200
    assert "Rejestr czasu pracy" in page.content.decode()
    response = social.post(
        url, _prefixed("czas", minutes=30, category="proceedings", day=TODAY().isoformat())
    )
    assert response.status_code == 302 and response["Location"] == url
    html = social.get(url).content.decode()
    assert "postępowania administracyjne" in html
    auditor = centre_client.logged_in(SLUG, "audytor")
    assert auditor.get(url).status_code == 403


def _working_days_ago(days: int) -> dt.date:
    from casework.calendar_days import working_days_between

    day = TODAY()
    while working_days_between(day, TODAY()) < days:
        day -= dt.timedelta(days=1)
    return day


def test_review_two_working_days_late_is_overdue_not_planned(
    family: tuple[Case, Person], social: Client
) -> None:
    """A review past its date reads "po terminie" (it read "zaplanowana") on
    the contract's page, in the case file's sections and first in the case file's "due" list."""
    contract = _draft(family, starts_on=TODAY() - dt.timedelta(days=30))
    with schema_context(SLUG):
        contract = contract_sign(
            user=user(SLUG, "socjalny"), contract=contract, signed_on=TODAY() - dt.timedelta(days=3)
        )
        review = contract_review_plan(
            user=user(SLUG, "socjalny"), contract=contract, due_on=_working_days_ago(2)
        )
    assert review.overdue
    detail = social.get(_url("contract-detail", contract_id=contract.public_id)).content.decode()
    assert "po terminie" in detail and "zaplanowana" not in detail
    sections = social.get(
        _url("case-socialwork", case_id=family[0].public_id), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "po terminie" in sections
    case_file = social.get(_url("case-detail", case_id=family[0].public_id)).content.decode()
    due = case_file[case_file.index('id="h-due"') : case_file.index('class="case-top"')]
    assert "Ocena realizacji kontraktu socjalnego" in due
    assert "po terminie (dni robocze: 2)" in due
    assert f"#kontrakt-{object_key(contract.public_id)}" in due
