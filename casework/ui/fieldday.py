"""The day's list for the field (``/moj-dzien/``): a page to print before going out – the family
interviews still to be conducted (address, whom to ask for, telephone) and the deadlines overdue
or due today. Only the user's own; the cases listed are recorded as read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework.audit import audit_reads
from casework.permissions import Capability
from casework.selectors.cases import cases_by_number
from casework.selectors.dashboard import deadline_summary, field_visits
from casework.selectors.deadlines import Scope
from casework.ui.dashboard import DEADLINE_KINDS
from casework.ui.refusals import require
from opsplatform.ui.access import domain_errors_as_http, signed_in_user, staff_required


@staff_required
@require_GET
def field_day(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    require(user, Capability.READ)
    today = timezone.localdate()
    with domain_errors_as_http():
        visits = field_visits(worker=user, today=today)
        deadlines = deadline_summary(user=user, scope=Scope.MINE, today=today, horizon=0, limit=50)
        numbers = {v.case_number for v in visits} | {d.case_number for d in deadlines.items}
        audit_reads(cases_by_number(numbers))
    return render(
        request,
        "casework/ui/dashboard/field_day.html",
        {
            "today": today,
            "visits": visits,
            "deadlines": deadlines,
            "deadline_kinds": DEADLINE_KINDS,
        },
    )
