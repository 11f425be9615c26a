"""The synthetic casework history `provision_centres --demo` fills the five centres with,
checked the way a user of the demo would notice it."""

import datetime as dt
import re
from statistics import median
from typing import TypeVar

import pytest
from django.db import connection
from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from casework import models as cw
from casework.calendar_days import add_working_days
from casework.demo import build
from casework.demo.dates import add_months
from casework.models.intake import RESOLVED_AT_DESK, IntakeOutcome
from casework.models.socialwork import ActivityCategory, ContractStatus
from casework.pesel import validate
from casework.reference.models import AssistanceReason
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.org.models import StaffPosition
from tests.conftest import CENTRE_SLUGS

pytestmark = pytest.mark.django_db

HISTORY_START = dt.date(2016, 1, 1)
M = TypeVar("M", bound=Model)


def _centre(slug: str) -> Centre:
    return Centre.objects.select_related("programme").get(slug=slug)


def _history(model: type[M]) -> QuerySet[M]:
    """The rows the history builder wrote: it writes with COPY, so it leaves no 'create' entry in
    the audit trail; casework.demo_today (today's open work) goes through the services, which do.
    The history's statutory dates are checked here; the services' own are checked by their tests."""
    from casework.models import AuditEntry

    created = AuditEntry.objects.filter(
        action="create", object_type=model._meta.label_lower
    ).values_list("object_id", flat=True)
    return model._default_manager.exclude(public_id__in=list(created))


def _months(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 30.44


def test_households_in_proportion_to_population() -> None:
    ratios = {}
    for slug in CENTRE_SLUGS:
        centre = _centre(slug)
        with schema_context(slug):
            ratios[slug] = cw.Household.objects.count() / centre.population
    middle = median(ratios.values())
    for slug, ratio in ratios.items():
        assert 0.75 * middle <= ratio <= 1.33 * middle, (slug, ratios)


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_two_to_four_percent_of_residents_helped_each_year(slug: str) -> None:
    centre = _centre(slug)
    with schema_context(slug):
        for year in range(HISTORY_START.year, timezone.localdate().year):
            households = cw.Case.objects.filter(
                Q(closed_on__isnull=True) | Q(closed_on__gte=dt.date(year, 1, 1)),
                opened_on__lte=dt.date(year, 12, 31),
            ).values("household")
            people = (
                cw.HouseholdMember.objects.filter(household__in=households)
                .values("person")
                .distinct()
                .count()
            )
            assert 0.018 <= people / centre.population <= 0.045, (year, people)


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_history_runs_from_2016_to_the_last_working_days(slug: str) -> None:
    today = timezone.localdate()
    with schema_context(slug):
        # (_history: casework.privacy.demo adds two cases closed in 2014, for the retention demo)
        first_case = _history(cw.Case).order_by("opened_on").first()
        assert first_case is not None
        assert first_case.opened_on.year == 2016
        last_intake = _history(cw.Intake).order_by("-arrived_at").first()
        last_activity = cw.ActivityEntry.objects.order_by("-day").first()
        assert last_intake is not None and last_activity is not None
        for latest in (timezone.localtime(last_intake.arrived_at).date(), last_activity.day):
            assert latest.year == today.year or (today - latest).days <= 7
            assert latest < today
        assert not cw.Case.objects.filter(opened_on__gt=today).exists()
        assert not cw.Decision.objects.filter(issued_on__gt=today).exists()
        assert not cw.Intake.objects.filter(arrived_at__gt=timezone.now()).exists()
        assert _history(cw.Intake).filter(arrived_at__date__lt=HISTORY_START).count() == 0


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_social_workers_spend_more_of_their_time_on_social_work_after_go_live(
    slug: str,
) -> None:
    go_live = _centre(slug).programme.go_live
    with schema_context(slug):
        social_workers = StaffPosition.objects.filter(is_social_worker=True).values("person")
        entries = cw.ActivityEntry.objects.filter(worker__in=social_workers)

        def share(period: Q) -> float:
            totals = entries.filter(period).aggregate(
                all=Sum("minutes"),
                social=Sum("minutes", filter=Q(category=ActivityCategory.SOCIAL_WORK)),
            )
            return totals["social"] / totals["all"]

        before, after = share(Q(day__lt=go_live)), share(Q(day__gte=go_live))
        assert after > before + 0.08, (before, after)
        # Six to seven hours a working day: roughly 100 to 150 logged hours a month each.
        per_month = (
            entries.filter(day__gte=dt.date(2019, 1, 1), day__lt=dt.date(2019, 2, 1))
            .values("worker")
            .annotate(minutes=Sum("minutes"))
        )
        assert per_month
        for row in per_month:
            assert 60 * 60 <= row["minutes"] <= 170 * 60, row
        assert not entries.filter(Q(minutes__lt=5) | Q(minutes__gt=480)).exists()


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_more_social_contracts_a_month_after_go_live(slug: str) -> None:
    go_live = _centre(slug).programme.go_live
    today = timezone.localdate()
    with schema_context(slug):
        signed = cw.SocialContract.objects.filter(signed_on__isnull=False)
        before = signed.filter(signed_on__lt=go_live).count() / _months(HISTORY_START, go_live)
        after = signed.filter(signed_on__gte=go_live).count() / _months(go_live, today)
        assert after > 1.5 * before, (before, after)
        assert not cw.SocialContract.objects.filter(ends_on__lt=F("starts_on")).exists()
        completed = cw.SocialContract.objects.filter(status=ContractStatus.COMPLETED)
        assert not completed.filter(goals_achieved__isnull=True).exists()


def test_more_contracts_achieved_after_go_live() -> None:
    achieved = {True: [0, 0], False: [0, 0]}
    for slug in CENTRE_SLUGS:
        go_live = _centre(slug).programme.go_live
        with schema_context(slug):
            for after in (False, True):
                period = Q(starts_on__gte=go_live) if after else Q(starts_on__lt=go_live)
                rows = cw.SocialContract.objects.filter(period, status=ContractStatus.COMPLETED)
                achieved[after][0] += rows.filter(goals_achieved=True).count()
                achieved[after][1] += rows.count()
    assert achieved[True][0] / achieved[True][1] > achieved[False][0] / achieved[False][1]


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_first_contact_routes_quickly_and_resolves_more_at_the_desk_after_go_live(
    slug: str,
) -> None:
    go_live = _centre(slug).programme.go_live
    with schema_context(slug):

        def desk_share(period: Q) -> float:
            intakes = cw.Intake.objects.filter(period)
            return intakes.filter(outcome__in=RESOLVED_AT_DESK).count() / intakes.count()

        def median_routing_hours(period: Q) -> float:
            waits = [
                (resolved - arrived).total_seconds() / 3600
                for arrived, resolved in cw.Intake.objects.filter(
                    period, outcome=IntakeOutcome.ROUTED
                ).values_list("arrived_at", "resolved_at")
                if resolved is not None
            ]
            return median(waits)

        before, after = Q(arrived_at__date__lt=go_live), Q(arrived_at__date__gte=go_live)
        assert desk_share(after) > desk_share(before) + 0.15
        assert median_routing_hours(after) < 4 < 24 < median_routing_hours(before)
        routed = cw.Intake.objects.filter(outcome=IntakeOutcome.ROUTED)
        assert not routed.filter(Q(routed_team__isnull=True) | Q(resolved_at__isnull=True)).exists()
        assert not routed.filter(resolved_at__lt=F("arrived_at")).exists()


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_fewer_handovers_per_case_over_time(slug: str) -> None:
    go_live = _centre(slug).programme.go_live
    last_year = timezone.localdate().year - 1
    with schema_context(slug):

        def per_open_case(year: int) -> float:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            handovers = cw.Handover.objects.filter(handed_over_at__year=year).count()
            cases = cw.Case.objects.filter(
                Q(closed_on__isnull=True) | Q(closed_on__gte=start), opened_on__lte=end
            ).count()
            return handovers / cases

        assert per_open_case(last_year) < 0.6 * per_open_case(max(2016, go_live.year - 1))


def test_every_intake_reason_is_valid_on_its_date() -> None:
    dictionary = {r.code: r for r in AssistanceReason.objects.all()}
    seen = set()
    for slug in CENTRE_SLUGS:
        with schema_context(slug):
            for arrived_at, reasons in cw.Intake.objects.values_list("arrived_at", "reasons"):
                day = timezone.localtime(arrived_at).date()
                for code in reasons:
                    reason = dictionary[code]
                    assert reason.valid_from <= day, (code, day)
                    assert reason.valid_to is None or day <= reason.valid_to, (code, day)
                    seen.add(code)
    assert {"przemoc-w-rodzinie", "przemoc-domowa"} <= seen


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_every_decision_follows_an_interview_and_is_issued_by_an_authorised_worker(
    slug: str,
) -> None:
    with schema_context(slug):
        decisions = cw.Decision.objects.all()
        assert decisions.exists()
        assert not decisions.filter(
            Q(interview__conducted_on__isnull=True) | Q(interview__conducted_on__gt=F("issued_on"))
        ).exists()
        assert not decisions.exclude(interview__application=F("application")).exists()
        assert not decisions.filter(
            ~Q(authorisation__worker=F("issued_by"))
            | Q(authorisation__valid_from__gt=F("issued_on"))
            | Q(authorisation__valid_to__lt=F("issued_on"))
        ).exists()
        assert not decisions.exclude(issued_by__role__in=[Role.BENEFITS, Role.MANAGER]).exists()
        within = decisions.filter(issued_on__lte=F("application__decision_due_on")).count()
        assert within / decisions.count() > 0.8
        prefix = slug[:3].upper()
        for number, issued_on in decisions.values_list("number", "issued_on"):
            assert re.fullmatch(rf"{prefix}/D/{issued_on.year}/\d{{5}}", number), number


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_proceedings_keep_the_statutory_dates(slug: str) -> None:
    with schema_context(slug):
        for received, complex_, due in _history(cw.Application).values_list(
            "received_on", "complex", "decision_due_on"
        ):
            assert due == add_months(received, 2 if complex_ else 1)
        interviews = cw.FamilyInterview.objects.filter(
            application__in=_history(cw.Application)
        ).values_list("needed_since", "application__urgent", "due_on", "conducted_on")
        on_time = 0
        for needed, urgent, due, conducted in interviews:
            assert due == add_working_days(needed, 2 if urgent else 14)
            on_time += conducted is not None and conducted <= due
        assert on_time / len(interviews) > 0.75
        appeals = cw.Appeal.objects.all()
        assert not appeals.filter(
            Q(lodged_on__lt=F("decision__delivered_on"))
            | Q(lodged_on__gt=F("decision__delivered_on") + dt.timedelta(days=14))
        ).exists()
        late = cw.Application.objects.filter(decisions__issued_on__gt=F("decision_due_on"))
        assert cw.DelayNotice.objects.filter(application__in=late).exists()


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_cases_households_and_assignments_are_consistent(slug: str) -> None:
    prefix = slug[:3].upper()
    with schema_context(slug):
        for number, opened_on in cw.Case.objects.values_list("number", "opened_on"):
            assert re.fullmatch(rf"{prefix}/{opened_on.year}/\d{{5}}", number), number
        heads = cw.HouseholdMember.objects.filter(relation="head").values("household")
        assert cw.Household.objects.exclude(id__in=heads).count() == 0
        assert (
            cw.Household.objects.annotate(open=Count("cases", filter=Q(cases__status="open")))
            .filter(open__gt=1)
            .count()
            == 0
        )
        assert not cw.CaseAssignment.objects.filter(ended_on__lt=F("started_on")).exists()
        assert not cw.CaseAssignment.objects.filter(
            case__status="closed", ended_on__isnull=True
        ).exists()


@pytest.mark.parametrize("slug", CENTRE_SLUGS)
def test_care_services_delivered_near_the_plan(slug: str) -> None:
    with schema_context(slug):
        rows = cw.ServiceDelivery.objects.aggregate(
            delivered=Sum("hours"), planned=Sum(F("plan__hours_per_week") / 5)
        )
        assert 0.85 <= rows["delivered"] / rows["planned"] <= 1.05
        assert cw.ServiceDelivery.objects.exclude(hours=F("plan__hours_per_week") / 5).exists()


def test_everyone_is_synthetic_with_a_valid_pesel() -> None:
    for slug in CENTRE_SLUGS:
        with schema_context(slug):
            assert not cw.Person.objects.filter(is_synthetic=False).exists()
            assert not cw.Household.objects.filter(is_synthetic=False).exists()
            for pesel, born in cw.Person.objects.exclude(pesel=None).values_list(
                "pesel", "date_of_birth"
            ):
                assert pesel is not None and validate(pesel) == born
            street = cw.Household.objects.values_list("street", flat=True).first()
            assert street is not None and street.startswith("ul. ")


def test_building_again_changes_nothing() -> None:
    centre = _centre("piaseczno")
    models = [getattr(cw, name) for name in cw.__all__]
    with schema_context(centre.schema_name):
        before = {m.__name__: m.objects.count() for m in models}
    # A second build writes nothing: every statement it runs is a read.
    with CaptureQueriesContext(connection) as queries:
        build(centre=centre)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    with schema_context(centre.schema_name):
        assert {m.__name__: m.objects.count() for m in models} == before
