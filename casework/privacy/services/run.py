"""Retention: erasing or irreversibly anonymising what is past its retention period.

What the job does (``apply_retention``), in one centre's schema:

* **Which cases.** A closed case is due when, for every kind of record it holds (the case file
  always; social contracts and individual programmes; care plans; the activity log entries of its
  household while it was open), the centre's rule is active and its period has run out: periods are
  counted in full calendar years from 1 January of the year after the case was closed (as the
  instrukcja kancelaryjna counts them), so the longest rule among the kinds present decides. A case
  under legal hold (``Case.legal_hold``, kept in step with :class:`LegalHold`) is skipped and
  reported as held. An intake that ended without a case is due under the intake rule, counted from
  the year it arrived.

* **What is deleted.** Rows that only describe a person and feed no statistic: income records of
  the household's members, delay notices (their free-text reason) and contract reviews (their
  notes).

* **What is kept, anonymised.** The rows behind the published monthly aggregates
  (``casework.metrics`` and ``casework.metrics_tables`` recompute from them: decisions,
  applications, interviews, contracts, programmes, service plans and deliveries, intakes,
  handovers, household memberships and the case itself) stay, so that a later recomputation (a
  backfill after a formula was added) gives the same figures as those already published — a test
  proves it. Everything in them that says who or what about a person goes: every free-text field
  (diagnosis, help plan, reasoning, goals, obligations, notes, closing and handover reasons, the
  carer's name, the reporter's name) is emptied; the intake no longer names its person. What stays
  are codes, dates, amounts and hours linked to an anonymous household. The case number stays: it
  is a register number, and the erasure register refers to it.

* **People and households.** A person of a due case (member of its household, applicant, party to
  a contract or programme, recipient of care, subject of an intake) is anonymised unless they are
  still linked to a case or an intake that is retained (open, not yet due, or under hold) or take
  part in a project: names, PESEL, identity document, birth date, citizenship, address and phone
  are replaced by empty values, a fixed date (1 January 1900) and a random token in the document
  number (the model requires a PESEL or a document); sex is kept (a required field, and not
  identifying on its own). Their ``public_id`` is replaced with a fresh random one, so that no id
  copied before (a link, an export, an audit entry) leads back to the anonymous row. A household
  loses its address and its ``public_id`` the same way, unless a retained case or intake is still
  about it. This is irreversible: nothing of the old values is stored anywhere by the job.

* **The audit trail.** It is append-only (a trigger refuses UPDATE and DELETE) and holds only ids,
  roles and user names, never personal values, so it is left as it is: its entries keep the old
  public ids, which after the run lead nowhere. The run's own changes are recorded like any
  other: the queryset updates and deletes of audited records write an entry per row (ids only, as
  always; an anonymised person's or household's entry carries its new public id), and the run
  adds one ``delete`` entry per case it erased and one for the run.

* **The register.** Each run that erased anything writes a :class:`RetentionRun` and one
  :class:`ErasureRecord` per case (or intake) and kind of row: the model, internal ids, the count,
  the method (erased / anonymised), the rule applied and its due date. Both tables are append-only.

A dry run computes the same plan and writes nothing.

Published aggregates: snapshots live in the public schema and are not touched. The nightly snapshot
recomputes only last month and the current one; a backfill recomputes every month since 2016 from
the centre's rows — because the statistical skeleton is kept, it reproduces the published figures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Func, Q, QuerySet, UUIDField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from casework.audit import Actor, current_actor
from casework.models import (
    Application,
    AuditEntry,
    BreakGlassGrant,
    Case,
    ContractReview,
    Decision,
    DelayNotice,
    FamilyInterview,
    Handover,
    Household,
    HouseholdMember,
    IncomeRecord,
    IndividualProgramme,
    Intake,
    Person,
    ProjectParticipation,
    ServiceDelivery,
    ServicePlan,
    SocialContract,
)
from casework.models.audit import AuditAction
from casework.privacy.models import (
    ErasureMethod,
    ErasureRecord,
    LegalHold,
    RecordType,
    RetentionRule,
    RetentionRun,
)
from casework.privacy.services.plan import (
    CaseDue,
    _active_hold_case_ids,
    _active_rules,
    _erased_case_ids,
    cases_due,
    intakes_due,
)

ANONYMOUS_DOCUMENT_PREFIX = "ANON-"
ANONYMOUS_BIRTH_DATE = dt.date(1900, 1, 1)


def _new_uuid() -> Func:
    return Func(function="gen_random_uuid", output_field=UUIDField())


def _anonymous_token() -> RawSQL:
    return RawSQL("%s || replace(gen_random_uuid()::text, '-', '')", [ANONYMOUS_DOCUMENT_PREFIX])


@dataclass
class RetentionResult:
    """What a run did (or, for a dry run, would do)."""

    as_of: dt.date
    dry_run: bool
    run_id: uuid.UUID | None = None
    erased_cases: list[CaseDue] = field(default_factory=list)
    held_cases: list[CaseDue] = field(default_factory=list)
    intakes: int = 0
    persons: int = 0
    households: int = 0
    persons_kept: int = 0
    rows_by_model: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_model.values())


# --- who is still retained --------------------------------------------------------------------


def _persons_of_cases(ids: Collection[int] | QuerySet[Any]) -> set[int]:
    """Everyone a case is about (``ids``: case ids, or a queryset of them as a subquery)."""
    households = Case.objects.filter(id__in=ids).values("household_id")
    found: set[int] = set()
    found |= set(
        HouseholdMember.objects.filter(household_id__in=households).values_list(
            "person_id", flat=True
        )
    )
    found |= set(Application.objects.filter(case_id__in=ids).values_list("applicant_id", flat=True))
    found |= set(SocialContract.objects.filter(case_id__in=ids).values_list("person_id", flat=True))
    found |= set(
        IndividualProgramme.objects.filter(case_id__in=ids).values_list("person_id", flat=True)
    )
    found |= set(ServicePlan.objects.filter(case_id__in=ids).values_list("recipient_id", flat=True))
    found |= set(
        Intake.objects.filter(case_id__in=ids, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    return found


def _retained_persons(retained_case_ids: QuerySet[Any], erased_intakes: set[int]) -> set[int]:
    kept = _persons_of_cases(retained_case_ids)
    kept |= set(
        Intake.objects.filter(case__isnull=True, person__isnull=False)
        .exclude(id__in=erased_intakes)
        .values_list("person_id", flat=True)
    )
    kept |= set(
        ProjectParticipation.objects.filter(left_on__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    return kept


def _retained_households(retained_case_ids: QuerySet[Any], erased_intakes: set[int]) -> set[int]:
    kept = set(Case.objects.filter(id__in=retained_case_ids).values_list("household_id", flat=True))
    kept |= set(
        Intake.objects.filter(case__isnull=True, household__isnull=False)
        .exclude(id__in=erased_intakes)
        .values_list("household_id", flat=True)
    )
    return kept


def _anonymised_household_ids() -> set[int]:
    ids: set[int] = set()
    for chunk in ErasureRecord.objects.filter(model="casework.household").values_list(
        "object_ids", flat=True
    ):
        ids.update(chunk)
    return ids


# --- the run ----------------------------------------------------------------------------------


class _Register:
    """Collects the erasure records of a run (written at its end)."""

    def __init__(self, run_id: uuid.UUID | None, at: dt.datetime) -> None:
        self.run_id = run_id
        self.at = at
        self.records: list[ErasureRecord] = []
        self.rows_by_model: dict[str, int] = defaultdict(int)

    def add(
        self,
        *,
        model: str,
        ids: list[int],
        method: str,
        record_type: str,
        rule: RetentionRule,
        due_on: dt.date,
        case: CaseDue | None = None,
    ) -> None:
        if not ids:
            return
        self.rows_by_model[model] += len(ids)
        self.records.append(
            ErasureRecord(
                at=self.at,
                record_type=record_type,
                model=model,
                method=method,
                case_id=case.case_id if case else None,
                case_number=case.number if case else "",
                object_ids=sorted(ids),
                rows=len(ids),
                rule_category=rule.archival_category,
                rule_jrwa_symbol=rule.jrwa_symbol,
                rule_years=rule.years,
                due_on=due_on,
            )
        )


def _ids(queryset: QuerySet[Any]) -> list[int]:
    return list(queryset.values_list("id", flat=True))


def _blank(queryset: QuerySet[Any], **values: Any) -> list[int]:
    """Empty the given fields of the rows that still hold something; returns those rows' ids."""
    holding = Q()
    for name, value in values.items():
        if isinstance(value, str):
            holding |= ~Q(**{name: value})
        else:
            holding |= ~Q(**{name: value}) if value is not None else Q(**{f"{name}__isnull": False})
    ids = _ids(queryset.filter(holding))
    if ids:
        queryset.model._default_manager.filter(id__in=ids).update(**values)
    return ids


def _delete(queryset: QuerySet[Any]) -> list[int]:
    """Delete the rows (each deletion is recorded in the audit trail by its signal, ids only)."""
    ids = _ids(queryset)
    if ids:
        queryset.model._default_manager.filter(id__in=ids).delete()
    return ids


def _erase_case(case: CaseDue, rules: dict[str, RetentionRule], register: _Register) -> None:
    """Delete and blank the rows of one case (its people are handled after all cases)."""
    c = case.case_id
    case_file = rules[RecordType.CASE_FILE]
    due = case.due_on or case_file.due_on(case.closed_on)

    def add(model: str, ids: list[int], method: str, kind: str = RecordType.CASE_FILE) -> None:
        register.add(
            model=model, ids=ids, method=method, record_type=kind, rule=rules[kind],
            due_on=due, case=case,
        )  # fmt: skip

    erased, anonymised = ErasureMethod.ERASED, ErasureMethod.ANONYMISED
    add("casework.delaynotice", _delete(DelayNotice.objects.filter(application__case_id=c)), erased)
    add(
        "casework.familyinterview",
        _blank(FamilyInterview.objects.filter(case_id=c), diagnosis="", help_plan=""),
        anonymised,
    )
    add(
        "casework.decision",
        _blank(Decision.objects.filter(application__case_id=c), reasoning=""),
        anonymised,
    )
    add("casework.handover", _blank(Handover.objects.filter(case_id=c), reason=""), anonymised)
    add(
        "casework.intake",
        _blank(
            Intake.objects.filter(case_id=c),
            reporter_name="",
            notes="",
            outcome_note="",
            person=None,
        ),
        anonymised,
    )
    if RecordType.SOCIAL_CONTRACT in case.record_types:
        kind = RecordType.SOCIAL_CONTRACT
        add(
            "casework.contractreview",
            _delete(ContractReview.objects.filter(contract__case_id=c)),
            erased,
            kind,
        )
        add(
            "casework.socialcontract",
            _blank(
                SocialContract.objects.filter(case_id=c),
                goals="",
                client_obligations="",
                centre_obligations="",
                outcome_note="",
            ),
            anonymised,
            kind,
        )
        add(
            "casework.individualprogramme",
            _blank(IndividualProgramme.objects.filter(case_id=c), goals=""),
            anonymised,
            kind,
        )
    if RecordType.CARE_PLAN in case.record_types:
        add(
            "casework.servicedelivery",
            _blank(ServiceDelivery.objects.filter(plan__case_id=c), carer=""),
            anonymised,
            RecordType.CARE_PLAN,
        )
    # The case row itself: its closing reason goes; its number and dates stay. Always recorded,
    # it marks the case as erased for later runs.
    Case.objects.filter(id=c).update(closing_reason="")
    add("casework.case", [c], anonymised)


def _anonymise_persons(ids: set[int]) -> list[int]:
    todo = _ids(
        Person.objects.filter(id__in=ids).exclude(
            pesel__isnull=True, document_number__startswith=ANONYMOUS_DOCUMENT_PREFIX
        )
    )
    if todo:
        Person.objects.filter(id__in=todo).update(
            public_id=_new_uuid(),
            first_name="",
            last_name="",
            pesel=None,
            document_type="other",
            document_number=_anonymous_token(),
            date_of_birth=ANONYMOUS_BIRTH_DATE,
            citizenship="",
            street="",
            postal_code="",
            city="",
            phone="",
        )
    return todo


def _anonymise_households(ids: set[int]) -> tuple[list[int], list[int], list[int]]:
    """Anonymise the households; returns their ids, the income records deleted and the
    break-glass grants whose stated reason (free text, possibly about the household) was blanked.
    The same reason copied into the audit trail stays there: the trail is append-only and kept for
    its own period (the break-glass form asks not to write personal data in it)."""
    todo = sorted(ids - _anonymised_household_ids())
    if not todo:
        return [], [], []
    incomes = _delete(IncomeRecord.objects.filter(member__household_id__in=todo))
    grants = _blank(BreakGlassGrant.objects.filter(household_id__in=todo), reason="")
    Household.objects.filter(id__in=todo).update(
        public_id=_new_uuid(), street="", postal_code="", city=""
    )
    return todo, incomes, grants


def _sync_hold_flags(on: dt.date) -> None:
    """``Case.legal_hold`` follows the hold history where there is one (a hold whose ``until``
    has passed no longer holds); a flag set without any history is left as it is."""
    with_history = LegalHold.objects.values("case_id")
    active = _active_hold_case_ids(on)
    Case.objects.filter(id__in=with_history, legal_hold=True).exclude(id__in=active).update(
        legal_hold=False
    )
    Case.objects.filter(id__in=active, legal_hold=False).update(legal_hold=True)


def _audit(actor: Actor, *, object_type: str, object_id: str, household_id: str = "") -> AuditEntry:
    return AuditEntry(
        at=timezone.now(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=actor.role,
        action=AuditAction.DELETE,
        object_type=object_type,
        object_id=object_id,
        household_id=household_id,
        ip=actor.ip,
    )


@transaction.atomic
def apply_retention(
    today: dt.date, *, dry_run: bool = False, actor: Actor | None = None
) -> RetentionResult:
    """Erase or anonymise, in the current centre's schema, what is past retention on ``today``.

    See the module docstring for what goes and what stays. Returns what was done; with
    ``dry_run`` the same plan is computed and nothing is written (the transaction is rolled back
    as a second guard). Runs in one centre take turns (a transaction-level advisory lock).
    """
    who = actor or current_actor()
    started = timezone.now()
    rules = _active_rules()
    result = RetentionResult(as_of=today, dry_run=dry_run)
    savepoint = transaction.savepoint()
    if not dry_run:
        # One run at a time per centre: a second waits here until the first has committed.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.privacy_retention'))"
            )
        _sync_hold_flags(today)
    due = cases_due(as_of=today)
    result.held_cases = [case for case in due if case.held]
    erasable = [case for case in due if not case.held]
    result.erased_cases = erasable
    erase_ids = {case.case_id for case in erasable}
    intakes = list(
        intakes_due(as_of=today).values_list("id", "person_id", "household_id", "arrived_at")
    )
    intake_ids = {row[0] for row in intakes}
    result.intakes = len(intakes)

    retained_cases = Case.objects.exclude(id__in=erase_ids | _erased_case_ids()).values_list(
        "id", flat=True
    )
    candidates = _persons_of_cases(list(erase_ids)) | {row[1] for row in intakes if row[1]}
    kept = _retained_persons(retained_cases, intake_ids)
    persons = candidates - kept
    result.persons_kept = len(candidates & kept)
    household_candidates = set(
        Case.objects.filter(id__in=erase_ids).values_list("household_id", flat=True)
    ) | {row[2] for row in intakes if row[2]}
    households = household_candidates - _retained_households(retained_cases, intake_ids)

    if dry_run:
        result.persons = (
            Person.objects.filter(id__in=persons)
            .exclude(pesel__isnull=True, document_number__startswith=ANONYMOUS_DOCUMENT_PREFIX)
            .count()
        )
        result.households = len(households - _anonymised_household_ids())
        transaction.savepoint_rollback(savepoint)
        return result

    run_id = uuid.uuid4()
    register = _Register(run_id, started)
    for case in erasable:
        _erase_case(case, rules, register)

    intake_rule = rules.get(RecordType.INTAKE)
    if intake_rule is not None and intakes:
        # One record per year of arrival: the intakes of a year share their due date.
        by_year: dict[int, list[int]] = defaultdict(list)
        for intake_id, _person, _household, arrived in intakes:
            by_year[timezone.localtime(arrived).year].append(intake_id)
        for year, ids in sorted(by_year.items()):
            register.add(
                model="casework.intake",
                ids=_blank(
                    Intake.objects.filter(id__in=ids),
                    reporter_name="",
                    notes="",
                    outcome_note="",
                    person=None,
                ),
                method=ErasureMethod.ANONYMISED,
                record_type=RecordType.INTAKE,
                rule=intake_rule,
                due_on=intake_rule.due_on(dt.date(year, 1, 1)),
            )

    # People and households: one record each per run, under the rule that made them go.
    rule = rules.get(RecordType.CASE_FILE) or intake_rule
    if rule is not None:
        person_ids = _anonymise_persons(persons)
        result.persons = len(person_ids)
        register.add(
            model="casework.person",
            ids=person_ids,
            method=ErasureMethod.ANONYMISED,
            record_type=rule.record_type,
            rule=rule,
            due_on=today,
        )
        household_ids, income_ids, grant_ids = _anonymise_households(households)
        result.households = len(household_ids)
        for model, ids, method in (
            ("casework.breakglassgrant", grant_ids, ErasureMethod.ANONYMISED),
            ("casework.incomerecord", income_ids, ErasureMethod.ERASED),
            ("casework.household", household_ids, ErasureMethod.ANONYMISED),
        ):
            register.add(
                model=model,
                ids=ids,
                method=method,
                record_type=rule.record_type,
                rule=rule,
                due_on=today,
            )

    result.rows_by_model = dict(register.rows_by_model)
    run = RetentionRun.objects.create(
        public_id=run_id,
        started_at=started,
        finished_at=timezone.now(),
        as_of=today,
        triggered_by=who.username,
        cases=len(erasable),
        cases_held=len(result.held_cases),
        intakes=result.intakes,
        persons=result.persons,
        rows=result.rows,
    )
    for record in register.records:
        record.run = run
    ErasureRecord.objects.bulk_create(register.records)
    public_ids = dict(Case.objects.filter(id__in=erase_ids).values_list("id", "public_id"))
    entries = [
        _audit(who, object_type="casework.case", object_id=str(public_ids[case.case_id]))
        for case in erasable
    ]
    entries.append(_audit(who, object_type="privacy.retentionrun", object_id=str(run_id)))
    AuditEntry.objects.bulk_create(entries)
    result.run_id = run_id
    transaction.savepoint_commit(savepoint)
    return result
