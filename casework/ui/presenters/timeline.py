"""The household's history as the case file shows it: each event of
casework.selectors.timeline written out (who, a summary, a state badge and the document it
stands for), in the interface's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import (
    ActivityEntry,
    Appeal,
    Application,
    Case,
    CaseAssignment,
    ContractReview,
    Decision,
    DelayNotice,
    FamilyInterview,
    Handover,
    IndividualProgramme,
    Intake,
    ProjectParticipation,
    ServicePlan,
    SocialContract,
)
from casework.models.intake import IntakeOutcome
from casework.models.proceedings import AppealOutcome, ApplicationStatus
from casework.selectors.case_file import application_due_on
from casework.selectors.timeline import (
    ActivityMonth,
    EntryKind,
    ReferenceNames,
    ServiceMonth,
    TimelineEvent,
)
from casework.ui.presenters.formats import (
    cap,
    day_text,
    decimal_hours,
    hours_and_minutes,
    money,
    month_text,
    person_name,
    shorten,
    team_and_worker,
)
from tenants.org.models import CanonicalFunction


class DocumentKind(StrEnum):
    DECISION = "decision"
    CONTRACT = "contract"


@dataclass(frozen=True)
class TimelineEntry:
    """One event as the page shows it. ``document`` names the printable document the entry
    stands for (the page turns it into links), ``reference`` how a link names it."""

    kind: EntryKind
    day: dt.date
    who: str
    summary: str
    case_number: str
    at: dt.datetime | None = None
    tone: str = ""  # "ok", "warn" or "err": a state worth a badge
    state: str = ""
    document: tuple[DocumentKind, UUID] | None = None
    reference: str = ""

    @property
    def label(self) -> str:
        return str(self.kind.label)


@dataclass(frozen=True)
class Words:
    """What an event's presenter writes; the rest of the entry comes from the event."""

    summary: str
    who: str = ""
    tone: str = ""
    state: str = ""
    document: tuple[DocumentKind, UUID] | None = None
    reference: str = ""


class _Context:
    def __init__(self, names: ReferenceNames, today: dt.date) -> None:
        self.names = names
        self.today = today

    def benefit(self, code: str) -> str:
        return self.names.benefits.get(code, code)


Presenter = Callable[[Any, _Context], Words]


def present(
    event: TimelineEvent, names: ReferenceNames, today: dt.date | None = None
) -> TimelineEntry:
    words = PRESENTERS[event.kind](event.subject, _Context(names, today or timezone.localdate()))
    return TimelineEntry(
        kind=event.kind,
        day=event.day,
        who=words.who,
        summary=words.summary,
        case_number=event.case_number,
        at=event.at,
        tone=words.tone,
        state=words.state,
        document=words.document,
        reference=words.reference,
    )


# -- cases, intakes, assignments -------------------------------------------------------------


def _case_opened(case: Case, c: _Context) -> Words:
    return Words(summary=_("Sprawa %(number)s otwarta.") % {"number": case.number})


def _case_closed(case: Case, c: _Context) -> Words:
    return Words(summary=case.closing_reason)


def _intake(intake: Intake, c: _Context) -> Words:
    parts = [f"{intake.get_channel_display()}, {intake.get_reporter_kind_display()}"]
    if intake.reasons:
        parts.append(", ".join(c.names.reasons.get(code, code) for code in intake.reasons))
    if intake.outcome == IntakeOutcome.ROUTED:
        target = team_and_worker(intake.routed_team, intake.routed_worker)
        parts.append(_("przekazano: %(target)s") % {"target": target})
    else:
        parts.append(str(intake.get_outcome_display()))
    if intake.outcome_note:
        parts.append(intake.outcome_note)
    pending = intake.outcome == IntakeOutcome.PENDING
    return Words(
        summary=" · ".join(parts),
        who=person_name(intake.registered_by),
        tone="warn" if pending else "",
        state=str(intake.get_outcome_display()) if pending else "",
    )


def _assignment(a: CaseAssignment, c: _Context) -> Words:
    functions = dict(CanonicalFunction.choices)
    return Words(
        summary=_("%(function)s: %(target)s")
        % {
            "function": functions.get(a.function, a.function),
            "target": team_and_worker(a.team, a.worker),
        }
    )


def _handover(h: Handover, c: _Context) -> Words:
    source = team_and_worker(h.from_team, h.from_worker) or _("bez przypisania")
    target = team_and_worker(h.to_team, h.to_worker)
    return Words(
        summary=_("%(source)s → %(target)s. Powód: %(reason)s")
        % {"source": source, "target": target, "reason": h.reason},
        who=person_name(h.by),
    )


# -- benefit proceedings ---------------------------------------------------------------------


def _application(app: Application, c: _Context) -> Words:
    benefits = ", ".join(c.benefit(code) for code in app.benefits)
    flags = []
    if app.urgent:
        flags.append(_("pilny"))
    if app.complex:
        flags.append(_("sprawa szczególnie skomplikowana"))
    summary = _("%(applicant)s wnosi o: %(benefits)s. Termin załatwienia: %(due)s.") % {
        "applicant": app.applicant,
        "benefits": benefits,
        "due": day_text(app.decision_due_on),
    }
    if flags:
        summary += " (" + ", ".join(flags) + ")"
    pending = app.status == ApplicationStatus.PENDING
    late = pending and application_due_on(app) < c.today
    return Words(
        summary=summary,
        who=person_name(app.registered_by),
        tone="err" if late else "warn" if pending else "",
        state=str(_("po terminie")) if late else str(app.get_status_display()),
    )


def _delay_notice(notice: DelayNotice, c: _Context) -> Words:
    return Words(
        summary=_("Nowy termin: %(due)s. Przyczyna: %(reason)s")
        % {"due": day_text(notice.new_due_on), "reason": notice.reason},
        who=person_name(notice.by),
    )


def _interview_planned(interview: FamilyInterview, c: _Context) -> Words:
    overdue = interview.due_on < c.today
    return Words(
        summary=_("%(kind)s do przeprowadzenia do %(due)s.")
        % {"kind": cap(str(interview.get_kind_display())), "due": day_text(interview.due_on)},
        who=person_name(interview.worker),
        tone="err" if overdue else "warn",
        state=_("po terminie") if overdue else _("zaplanowany"),
    )


def _interview_done(interview: FamilyInterview, c: _Context) -> Words:
    conducted_on = cast(dt.date, interview.conducted_on)
    late = conducted_on > interview.due_on
    return Words(
        summary=_("%(kind)s. Diagnoza: %(diagnosis)s")
        % {
            "kind": cap(str(interview.get_kind_display())),
            "diagnosis": shorten(interview.diagnosis),
        },
        who=person_name(interview.worker),
        tone="err" if late else "",
        state=_("po terminie (%(due)s)") % {"due": day_text(interview.due_on)} if late else "",
    )


def _decision(decision: Decision, c: _Context) -> Words:
    details = [f"{decision.get_outcome_display()}: {c.benefit(decision.benefit)}"]
    if decision.amount is not None:
        details.append(money(decision.amount))
    if decision.period_from:
        period = _("od %(start)s") % {"start": day_text(decision.period_from)}
        if decision.period_to:
            period += " " + _("do %(end)s") % {"end": day_text(decision.period_to)}
        details.append(period)
    return Words(
        summary=_("Nr %(number)s – %(details)s")
        % {"number": decision.number, "details": ", ".join(details)},
        who=person_name(decision.issued_by),
        tone="err" if decision.outcome == "refuse" else "ok",
        state=str(decision.get_outcome_display()),
        document=(DocumentKind.DECISION, decision.public_id),
        reference=_("decyzja nr %(number)s") % {"number": decision.number},
    )


def _decision_delivered(decision: Decision, c: _Context) -> Words:
    return Words(
        summary=_("Decyzja nr %(number)s doręczona stronie.") % {"number": decision.number}
    )


def _appeal(appeal: Appeal, c: _Context) -> Words:
    pending = appeal.outcome == AppealOutcome.PENDING
    return Words(
        summary=_("Odwołanie od decyzji nr %(number)s.") % {"number": appeal.decision.number},
        who=person_name(appeal.registered_by),
        tone="warn" if pending else "",
        state=str(appeal.get_outcome_display()) if pending else "",
    )


def _appeal_forwarded(appeal: Appeal, c: _Context) -> Words:
    return Words(
        summary=_("Odwołanie od decyzji nr %(number)s przekazane do SKO.")
        % {"number": appeal.decision.number}
    )


def _appeal_decided(appeal: Appeal, c: _Context) -> Words:
    return Words(
        summary=_("Decyzja nr %(number)s: %(outcome)s.")
        % {"number": appeal.decision.number, "outcome": appeal.get_outcome_display()}
    )


# -- social work -----------------------------------------------------------------------------


def _contract(contract: SocialContract, c: _Context) -> Words:
    return Words(
        summary=_("%(variant)s z: %(person)s, %(start)s – %(end)s. Cele: %(goals)s")
        % {
            "variant": cap(str(contract.get_variant_display())),
            "person": contract.person,
            "start": day_text(contract.starts_on),
            "end": day_text(contract.ends_on),
            "goals": shorten(contract.goals),
        },
        who=person_name(contract.worker),
        state=str(contract.get_status_display()),
        tone="warn" if contract.status == "draft" else "",
        document=(DocumentKind.CONTRACT, contract.public_id),
        reference=_("kontrakt socjalny z %(day)s") % {"day": day_text(contract.starts_on)},
    )


def _contract_review(review: ContractReview, c: _Context) -> Words:
    return Words(
        summary=shorten(review.note) or _("Ocena realizacji kontraktu."),
        who=person_name(review.contract.worker),
    )


def _contract_closed(contract: SocialContract, c: _Context) -> Words:
    achieved = {True: _("cele osiągnięte"), False: _("cele nieosiągnięte")}
    outcome = achieved[contract.goals_achieved] if contract.goals_achieved is not None else ""
    parts = (str(contract.get_status_display()), outcome, shorten(contract.outcome_note))
    return Words(
        summary=", ".join(p for p in parts if p),
        who=person_name(contract.worker),
        tone="err" if contract.status == "broken" else "ok",
        state=str(contract.get_status_display()),
    )


def _programme(programme: IndividualProgramme, c: _Context) -> Words:
    return Words(
        summary=_("%(kind)s: %(person)s.")
        % {"kind": cap(str(programme.get_kind_display())), "person": programme.person},
        who=person_name(programme.worker),
        state=str(programme.get_status_display()),
    )


def _programme_ended(programme: IndividualProgramme, c: _Context) -> Words:
    return Words(
        summary=_("%(kind)s: %(status)s.")
        % {
            "kind": cap(str(programme.get_kind_display())),
            "status": programme.get_status_display(),
        },
        who=person_name(programme.worker),
    )


def _project(p: ProjectParticipation, c: _Context) -> Words:
    project = f"{p.project.get_kind_display()} „{p.project.name}”"
    return Words(summary=_("%(person)s: %(project)s.") % {"person": p.person, "project": project})


# -- care services ---------------------------------------------------------------------------


def _service_plan(plan: ServicePlan, c: _Context) -> Words:
    provider = str(plan.get_provider_kind_display())
    if plan.provider_name:
        provider += f" ({plan.provider_name})"
    return Words(
        summary=_("%(service)s dla: %(person)s, %(hours)s tygodniowo; %(provider)s.")
        % {
            "service": cap(str(plan.get_service_type_display())),
            "person": plan.recipient,
            "hours": decimal_hours(plan.hours_per_week),
            "provider": provider,
        },
        who=person_name(plan.coordinator),
    )


def _service_plan_ended(plan: ServicePlan, c: _Context) -> Words:
    return Words(
        summary=_("%(service)s dla: %(person)s.")
        % {"service": cap(str(plan.get_service_type_display())), "person": plan.recipient},
        who=person_name(plan.coordinator),
    )


def _service_month(month: ServiceMonth, c: _Context) -> Words:
    service = str(month.plan.get_service_type_display()) if month.plan is not None else ""
    return Words(
        summary=_("%(service)s, %(month)s: %(hours)s w %(days)d dniach.")
        % {
            "service": cap(service),
            "month": month_text(month.last_day),
            "hours": decimal_hours(month.hours),
            "days": month.days,
        }
    )


def _activity(month: ActivityMonth, c: _Context) -> Words:
    categories = dict(ActivityEntry._meta.get_field("category").flatchoices)
    return Words(
        summary=_("%(category)s, %(month)s: %(time)s (wpisów: %(count)d).")
        % {
            "category": cap(str(categories.get(month.category, month.category))),
            "month": month_text(month.last_day),
            "time": hours_and_minutes(month.minutes),
            "count": month.count,
        },
        who=month.worker_name,
    )


PRESENTERS: dict[EntryKind, Presenter] = {
    EntryKind.INTAKE: _intake,
    EntryKind.CASE_OPENED: _case_opened,
    EntryKind.HANDOVER: _handover,
    EntryKind.ASSIGNMENT: _assignment,
    EntryKind.APPLICATION: _application,
    EntryKind.DELAY_NOTICE: _delay_notice,
    EntryKind.INTERVIEW_PLANNED: _interview_planned,
    EntryKind.INTERVIEW_DONE: _interview_done,
    EntryKind.DECISION: _decision,
    EntryKind.DECISION_DELIVERED: _decision_delivered,
    EntryKind.APPEAL: _appeal,
    EntryKind.APPEAL_FORWARDED: _appeal_forwarded,
    EntryKind.APPEAL_DECIDED: _appeal_decided,
    EntryKind.CONTRACT: _contract,
    EntryKind.CONTRACT_REVIEW: _contract_review,
    EntryKind.CONTRACT_CLOSED: _contract_closed,
    EntryKind.PROGRAMME: _programme,
    EntryKind.PROGRAMME_ENDED: _programme_ended,
    EntryKind.PROJECT_JOINED: _project,
    EntryKind.PROJECT_LEFT: _project,
    EntryKind.SERVICE_PLAN: _service_plan,
    EntryKind.SERVICE_DELIVERIES: _service_month,
    EntryKind.SERVICE_PLAN_ENDED: _service_plan_ended,
    EntryKind.ACTIVITY: _activity,
    EntryKind.CASE_CLOSED: _case_closed,
}
