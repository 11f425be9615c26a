"""Retention: a closed case past its period is erased or irreversibly anonymised, one under legal
hold, one not yet due and a person with another live case are kept; the run is recorded in an
append-only register and the audit trail; a dry run changes nothing; the monthly aggregates
recomputed afterwards are those published before; the job runs on a real worker."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tenants.utils import schema_context

from casework.metrics import FORMULAS, centre_month_aggregates
from casework.metrics_tables import centre_period_tables
from casework.models import (
    Application,
    AuditEntry,
    BreakGlassGrant,
    Case,
    Decision,
    DecisionAuthorisation,
    FamilyInterview,
    HouseholdMember,
    IncomeRecord,
    Intake,
    Person,
)
from casework.models.intake import Channel, IntakeOutcome, ReporterKind
from casework.privacy.demo import HOLD_REASON, old_case
from casework.privacy.models import ErasureRecord, RecordType, RetentionRule, RetentionRun
from casework.privacy.services import (
    ANONYMOUS_DOCUMENT_PREFIX,
    apply_retention,
    cases_due,
    legal_hold_lift,
    legal_hold_set,
    retention_rule_update,
)
from casework.selectors.people import person_search
from opsplatform.errors import ValidationFailed
from tasks.schedule import beat_schedule
from tests.casework.factories import user

pytestmark = pytest.mark.django_db
SLUG = "krasnystaw"
TODAY = dt.date(2026, 11, 23)


def _users() -> dict[str, Any]:
    return {
        "worker": user(SLUG, "swiadczenia"),
        "authorisation": DecisionAuthorisation.objects.order_by("valid_from", "id").first(),
    }


def _case(surname: str, *, closed: dt.date, opened: dt.date | None = None) -> Case:
    rng = random.Random(surname)
    opened = opened or closed - dt.timedelta(days=400)
    return old_case(rng, (surname + "a", surname + "i"), _users(), opened=opened, closed=closed)


def _people(case: Case) -> list[Person]:
    return [m.person for m in HouseholdMember.objects.filter(household_id=case.household_id)]


def test_a_closed_case_past_retention_is_anonymised_and_recorded() -> None:
    with schema_context(SLUG):
        case = _case("Przeterminowan", closed=dt.date(2013, 5, 10))
        people = _people(case)
        pesels = [p.pesel for p in people]
        old_person_ids = [p.public_id for p in people]
        old_household_id = case.household.public_id
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            user=user(SLUG, "socjalny"),
            household=case.household,
            reason="Telefon od rodziny Przeterminowanych w sprawie zasiłku",
            granted_at=now - dt.timedelta(days=4000),
            expires_at=now - dt.timedelta(days=3999),
        )
        audit_before = AuditEntry.objects.count()

        result = apply_retention(TODAY)

        assert case.number in [c.number for c in result.erased_cases]
        for number in pesels:
            assert not Person.objects.filter(pesel=number).exists()
            assert not person_search(query=str(number)).exists()
        assert not person_search(query="Przeterminowana").exists()
        assert not Person.objects.filter(public_id__in=old_person_ids).exists()
        for person in Person.objects.filter(id__in=[p.id for p in people]):
            assert (person.first_name, person.last_name, person.pesel) == ("", "", None)
            assert person.document_number.startswith(ANONYMOUS_DOCUMENT_PREFIX)
            assert person.date_of_birth == dt.date(1900, 1, 1)
            assert (person.street, person.city, person.phone) == ("", "", "")
        case.refresh_from_db()
        assert case.closing_reason == ""
        assert case.household.street == "" and case.household.public_id != old_household_id
        assert not IncomeRecord.objects.filter(member__household_id=case.household_id).exists()
        interview = FamilyInterview.objects.get(case=case)
        assert (interview.diagnosis, interview.help_plan) == ("", "")
        assert all(d.reasoning == "" for d in Decision.objects.filter(application__case=case))
        intake = Intake.objects.get(case=case)
        assert (intake.notes, intake.reporter_name, intake.person_id) == ("", "", None)
        # The statistical skeleton stays: the application with its dates, the decision's outcome.
        assert Application.objects.filter(case=case).count() == 1

        assert result.run_id is not None
        run = RetentionRun.objects.get(public_id=result.run_id)
        assert run.cases == len(result.erased_cases) and run.as_of == TODAY
        records = ErasureRecord.objects.filter(run=run, case_number=case.number)
        by_model = {r.model: r for r in records}
        assert by_model["casework.case"].object_ids == [case.id]
        assert by_model["casework.case"].rule_category == "B10"
        assert by_model["casework.familyinterview"].method == "anonymised"
        persons = ErasureRecord.objects.get(run=run, model="casework.person")
        assert {p.id for p in people} <= set(persons.object_ids)
        incomes = ErasureRecord.objects.get(run=run, model="casework.incomerecord")
        assert incomes.method == "erased" and incomes.rows >= 1
        grant.refresh_from_db()
        assert grant.reason == ""
        grants = ErasureRecord.objects.get(run=run, model="casework.breakglassgrant")
        assert grant.id in grants.object_ids and grants.method == "anonymised"
        # The register holds ids, numbers and counts, never the erased values.
        for record in ErasureRecord.objects.filter(run=run):
            assert "Przeterminowan" not in str(record.__dict__)
        actions = AuditEntry.objects.filter(seq__gt=audit_before).values_list(
            "object_type", "object_id", "action"
        )
        assert ("privacy.retentionrun", str(run.public_id), "delete") in actions
        assert ("casework.case", str(case.public_id), "delete") in actions


def test_a_case_under_legal_hold_is_kept_until_the_hold_is_lifted() -> None:
    with schema_context(SLUG):
        case = _case("Wstrzyman", closed=dt.date(2013, 5, 10))
        manager = user(SLUG, "kierownik")
        legal_hold_set(user=manager, case=case, reason="Sprawa sądowa I C 1/26")
        pesels = [p.pesel for p in _people(case)]

        result = apply_retention(TODAY)

        assert case.number in [c.number for c in result.held_cases]
        assert case.number not in [c.number for c in result.erased_cases]
        assert Person.objects.filter(pesel__in=pesels).count() == len(pesels)
        assert not ErasureRecord.objects.filter(case_id=case.id).exists()
        assert FamilyInterview.objects.get(case=case).diagnosis != ""

        legal_hold_lift(user=manager, case=case, reason="Sprawa sądowa zakończona")
        result = apply_retention(TODAY)
        assert case.number in [c.number for c in result.erased_cases]
        assert not Person.objects.filter(pesel__in=pesels).exists()


def test_a_hold_whose_end_date_has_passed_no_longer_holds() -> None:
    with schema_context(SLUG):
        case = _case("Przedawnion", closed=dt.date(2013, 5, 10))
        legal_hold_set(
            user=user(SLUG, "kierownik"), case=case, reason="Kontrola", until=timezone.localdate()
        )
        later = timezone.localdate() + dt.timedelta(days=1)
        preview = apply_retention(later, dry_run=True)
        assert case.number in [c.number for c in preview.erased_cases]
        assert case.number in [c.number for c in apply_retention(later).erased_cases]
        case.refresh_from_db()
        assert case.legal_hold is False


def test_the_demo_case_under_hold_is_kept_and_the_expired_one_goes() -> None:
    with schema_context(SLUG):
        held = Case.objects.get(holds__reason=HOLD_REASON)
        expired = Case.objects.get(
            household__members__person__last_name="Archiwalna", opened_on=dt.date(2012, 3, 1)
        )
        result = apply_retention(timezone.localdate())
        assert expired.number in [c.number for c in result.erased_cases]
        assert held.number in [c.number for c in result.held_cases]
        assert Person.objects.filter(last_name="Wstrzymana").exists()
        assert not Person.objects.filter(last_name="Archiwalna").exists()


def test_a_case_not_yet_due_is_kept() -> None:
    with schema_context(SLUG):
        # Closed in 2016: under the ten-year rule it may go from 1 January 2027.
        case = _case("Śwież", closed=dt.date(2016, 2, 1))
        result = apply_retention(dt.date(2026, 12, 31))
        assert case.number not in [c.number for c in result.erased_cases]
        assert Person.objects.filter(last_name="Świeża").exists()
        assert case.number in [c.number for c in apply_retention(dt.date(2027, 1, 1)).erased_cases]


def test_the_longest_rule_among_the_records_a_case_holds_decides() -> None:
    with schema_context(SLUG):
        case = _case("Kontraktow", closed=dt.date(2013, 5, 10))
        contract_rule = RetentionRule.objects.get(record_type=RecordType.SOCIAL_CONTRACT)
        retention_rule_update(
            user=user(SLUG, "kierownik"), rule=contract_rule, archival_category="B25", years=25
        )
        from casework.models import SocialContract

        SocialContract.objects.create(
            case=case,
            person=_people(case)[0],
            worker=user(SLUG, "socjalny"),
            variant="standard",
            goals="cele",
            client_obligations="x",
            centre_obligations="y",
            starts_on=dt.date(2012, 6, 1),
            ends_on=dt.date(2012, 12, 1),
        )
        due = {c.number: c for c in cases_due(as_of=TODAY, within_days=365 * 30)}
        assert due[case.number].due_on == dt.date(2039, 1, 1)
        assert case.number not in [c.number for c in apply_retention(TODAY).erased_cases]


def test_an_inactive_rule_stops_erasure() -> None:
    with schema_context(SLUG):
        case = _case("Nieaktywn", closed=dt.date(2013, 5, 10))
        rule = RetentionRule.objects.get(record_type=RecordType.CASE_FILE)
        retention_rule_update(user=user(SLUG, "kierownik"), rule=rule, active=False)
        result = apply_retention(TODAY)
        assert result.erased_cases == []
        assert Person.objects.filter(last_name="Nieaktywna").exists()
        assert case.number not in ErasureRecord.objects.values_list("case_number", flat=True)


def test_a_person_with_another_live_case_is_kept() -> None:
    with schema_context(SLUG):
        old = _case("Dawn", closed=dt.date(2013, 5, 10))
        head, son = _people(old)
        # The son now has his own household with an open case.
        live = _case("Obecn", closed=timezone.localdate())
        Case.objects.filter(id=live.id).update(status="open", closed_on=None)
        HouseholdMember.objects.create(
            household=live.household, person=son, relation="other", joined_on=dt.date(2020, 1, 1)
        )
        result = apply_retention(TODAY)
        assert old.number in [c.number for c in result.erased_cases]
        son.refresh_from_db()
        assert (son.last_name, son.pesel) == ("Dawni", son.pesel) and son.pesel
        head.refresh_from_db()
        assert head.last_name == "" and head.pesel is None
        assert result.persons_kept >= 1


def test_an_intake_without_a_case_goes_under_the_intake_rule() -> None:
    with schema_context(SLUG):
        worker = user(SLUG, "pierwszy.kontakt")
        old = Intake.objects.create(
            arrived_at=dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC),
            channel=Channel.PHONE,
            reporter_kind=ReporterKind.NEIGHBOUR,
            reporter_name="Sąsiadka Zgłaszająca",
            notes="Opis sytuacji",
            outcome=IntakeOutcome.INFORMATION,
            resolved_at=dt.datetime(2019, 3, 1, 9, 20, tzinfo=dt.UTC),
            registered_by=worker,
        )
        recent = Intake.objects.create(
            arrived_at=dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC),
            channel=Channel.PHONE,
            reporter_kind=ReporterKind.NEIGHBOUR,
            reporter_name="Sąsiad Późniejszy",
            notes="Opis",
            outcome=IntakeOutcome.ADVICE,
            resolved_at=dt.datetime(2024, 3, 1, 9, 20, tzinfo=dt.UTC),
            registered_by=worker,
        )
        result = apply_retention(TODAY)
        old.refresh_from_db()
        recent.refresh_from_db()
        assert (old.reporter_name, old.notes) == ("", "")
        assert recent.reporter_name == "Sąsiad Późniejszy"
        assert result.intakes >= 1
        assert ErasureRecord.objects.filter(
            model="casework.intake", record_type="intake", object_ids__contains=[old.id]
        ).exists()


def test_a_dry_run_changes_nothing() -> None:
    with schema_context(SLUG):
        case = _case("Próbn", closed=dt.date(2013, 5, 10))
        pesels = sorted(str(p.pesel) for p in _people(case))
        counts = (
            AuditEntry.objects.count(),
            ErasureRecord.objects.count(),
            RetentionRun.objects.count(),
        )
        result = apply_retention(TODAY, dry_run=True)
        assert case.number in [c.number for c in result.erased_cases]
        assert result.persons >= 2 and result.run_id is None
        kept = Person.objects.filter(pesel__in=pesels).values_list("pesel", flat=True)
        assert sorted(str(number) for number in kept) == pesels
        assert FamilyInterview.objects.get(case=case).diagnosis != ""
        assert counts == (
            AuditEntry.objects.count(),
            ErasureRecord.objects.count(),
            RetentionRun.objects.count(),
        )


def test_a_second_run_erases_nothing_new() -> None:
    with schema_context(SLUG):
        _case("Dwukrotn", closed=dt.date(2013, 5, 10))
        apply_retention(TODAY)
        again = apply_retention(TODAY)
        assert again.erased_cases == [] and again.persons == 0 and again.rows == 0


def test_the_register_refuses_update_and_delete() -> None:
    with schema_context(SLUG):
        _case("Rejestrow", closed=dt.date(2013, 5, 10))
        run_id = apply_retention(TODAY).run_id
        assert run_id is not None
        record = ErasureRecord.objects.filter(run__public_id=run_id).first()
        assert record is not None
        for sql in (
            "UPDATE privacy_erasurerecord SET rows = 0 WHERE id = %s",
            "DELETE FROM privacy_erasurerecord WHERE id = %s",
            "UPDATE privacy_retentionrun SET cases = 0 WHERE id = %s",
            "DELETE FROM privacy_retentionrun WHERE id = %s",
        ):
            target = record.id if "erasurerecord" in sql else record.run_id
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [target])
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            # Deferred foreign-key checks of this test's own inserts would block TRUNCATE first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE privacy_erasurerecord CASCADE")


def test_recomputed_aggregates_equal_those_computed_before_erasure() -> None:
    """Published snapshots are not recomputed by the nightly job, but a backfill recomputes every
    month from the centre's rows: the kept skeleton must give the same figures."""
    versions = dict(FORMULAS.keys())
    with schema_context(SLUG):
        for i in range(3):
            _case(f"Statystyczn{i}", opened=dt.date(2013, 2, 1), closed=dt.date(2013, 11, 30))
        months = [(2013, m) for m in (2, 3, 4, 11)]

        def figures() -> Any:
            monthly = [
                centre_month_aggregates(year=y, month=m, population=19000, versions=versions)
                for y, m in months
            ]
            table = centre_period_tables(first=dt.date(2013, 1, 1), last=dt.date(2013, 12, 31))
            return monthly, table

        before = figures()
        assert before[0][0]["days_to_decision"].n >= 3  # the decisions are counted
        assert apply_retention(TODAY).erased_cases
        assert figures() == before


def test_rule_changes_are_validated() -> None:
    with schema_context(SLUG):
        rule = RetentionRule.objects.get(record_type=RecordType.CASE_FILE)
        manager = user(SLUG, "kierownik")
        with pytest.raises(ValidationFailed) as mismatch:
            retention_rule_update(user=manager, rule=rule, archival_category="B10", years=5)
        assert "years" in mismatch.value.fields
        with pytest.raises(ValidationFailed) as permanent:
            retention_rule_update(user=manager, rule=rule, archival_category="A", years=10)
        assert "archival_category" in permanent.value.fields
        with pytest.raises(ValidationFailed) as garbage:
            retention_rule_update(user=manager, rule=rule, archival_category="X7", years=7)
        assert "archival_category" in garbage.value.fields
        updated = retention_rule_update(
            user=manager, rule=rule, archival_category="BE5", years=5, jrwa_symbol="8310"
        )
        assert (updated.years, updated.updated_by) == (5, "kierownik")


def test_default_rules_are_seeded_in_every_centre_and_marked_for_verification() -> None:
    for slug in ("myslenice", "krasnystaw", "piaseczno", "daleszyce", "debica"):
        with schema_context(slug):
            rules = {r.record_type: r for r in RetentionRule.objects.all()}
            assert set(rules) == set(RecordType.values)
            assert all("do weryfikacji przez archiwistę" in r.note for r in rules.values())


def test_a_hold_needs_a_reason_and_only_one_is_open_at_a_time() -> None:
    with schema_context(SLUG):
        case = _case("Powodow", closed=dt.date(2013, 5, 10))
        manager = user(SLUG, "kierownik")
        with pytest.raises(ValidationFailed) as empty:
            legal_hold_set(user=manager, case=case, reason="  ")
        assert "reason" in empty.value.fields
        legal_hold_set(user=manager, case=case, reason="Kontrola NIK")
        with pytest.raises(ValidationFailed):
            legal_hold_set(user=manager, case=case, reason="Druga")
        case.refresh_from_db()
        assert case.legal_hold is True


def test_the_command_prints_what_it_would_do() -> None:
    out = io.StringIO()
    call_command("retention_run", SLUG, "--dry-run", stdout=out)
    text = out.getvalue()
    with schema_context(SLUG):
        held = Case.objects.get(holds__reason=HOLD_REASON)
    assert "próba (nic nie zmieniono)" in text
    assert held.number in text.split("wstrzymane")[1]
    with schema_context(SLUG):
        assert Person.objects.filter(last_name="Archiwalna").exists()


def test_the_command_erases_as_of_a_given_date() -> None:
    out = io.StringIO()
    call_command("retention_run", SLUG, "--date", "2026-11-23", stdout=out)
    assert "wykonano" in out.getvalue() and "casework.person" in out.getvalue()
    with schema_context(SLUG):
        assert not Person.objects.filter(last_name="Archiwalna").exists()
        run = RetentionRun.objects.order_by("-id").first()
        assert run is not None and run.triggered_by == "retention_run"


def test_the_nightly_job_is_scheduled_for_every_centre() -> None:
    entry = beat_schedule()["retention-apply-nightly"]
    assert entry["task"] == "tasks.fanout.fan_out"
    assert entry["args"] == ("tasks.casework.retention_apply",)


@pytest.mark.worker
def test_the_job_runs_on_a_real_worker_in_one_centre(worker: object) -> None:
    """Through Redis and a worker process: a dry run, since the worker cannot see this test's
    uncommitted rows and a real run would change the session's shared demo data."""
    from tasks.casework import retention_apply

    with schema_context(SLUG):
        held = Case.objects.get(holds__reason=HOLD_REASON)
        expired = Case.objects.get(
            household__members__person__last_name="Archiwalna", opened_on=dt.date(2012, 3, 1)
        )
        answer = retention_apply.delay(dry_run=True).get(timeout=60)
    assert answer["schema"] == SLUG and answer["dry_run"] is True
    assert expired.number in answer["cases"]
    assert held.number in answer["held"]
    assert answer["run"] is None
    with schema_context(SLUG):
        assert Person.objects.filter(last_name="Archiwalna").exists()


def test_amounts_and_dates_survive_for_statistics() -> None:
    with schema_context(SLUG):
        case = _case("Kwotow", closed=dt.date(2013, 5, 10))
        decision = Decision.objects.filter(application__case=case).first()
        if decision is None:
            pytest.skip("the centre has no decision authorisation")
        apply_retention(TODAY)
        decision.refresh_from_db()
        assert decision.amount == Decimal("418.00") and decision.issued_on is not None
