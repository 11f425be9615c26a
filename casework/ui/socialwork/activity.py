"""The activity log: time logged on a case, and the worker's own log page."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.audit import audit_reads
from casework.models import Case
from casework.permissions import Capability, require_capability
from casework.selectors.socialwork import activity_list, activity_summary
from casework.services.socialwork import activity_log
from casework.ui.socialwork.actions import activity_action
from casework.ui.socialwork.common import (
    ANCHOR_TIME,
    case_of,
    case_url,
    casework_page,
    posted_data,
    submit_form,
    ui_url,
)
from casework.ui.socialwork.panel import user_time_today
from opsplatform.ui.access import signed_in_user

# --- activity log ------------------------------------------------------------------------------


def _log_time(request: HttpRequest, case: Case | None, after: str) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.ACTIVITY_LOG)
    action = activity_action(case, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        entry = activity_log(
            user=signed_in_user(request),
            day=data["day"],
            minutes=data["minutes"],
            category=data["category"],
            household=case.household if case else None,
        )
        return after, str(
            _("Zapisano %(minutes)s min: %(category)s.")
            % {"minutes": entry.minutes, "category": entry.get_category_display()}
        )

    title = str(_("Rejestr czasu pracy"))
    if case:
        title = str(_("Czas pracy w sprawie %(number)s") % {"number": case.number})
    return submit_form(request, action, save, title=title, back=after)


@casework_page
@require_POST
def case_activity_log_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_of(case_id)
    return _log_time(request, case, case_url(case, ANCHOR_TIME))


@casework_page
@require_http_methods(["GET", "POST"])
def activity_page(request: HttpRequest) -> HttpResponse:
    """The worker's own activity log: a quick form, this week's entries and this month's share
    of social work."""
    require_capability(signed_in_user(request), Capability.ACTIVITY_LOG)
    if request.method == "POST":
        return _log_time(request, None, ui_url("activity-log"))
    user = signed_in_user(request)
    today = timezone.localdate()
    week_start = today - dt.timedelta(days=6)
    entries = list(activity_list(worker=user.public_id, date_from=week_start))
    audit_reads([entry for entry in entries if entry.household_id])
    month = activity_summary(date_from=today.replace(day=1), date_to=today, worker=user.public_id)
    return render(
        request,
        "casework/ui/socialwork/activity_page.html",
        {
            "a": activity_action(None),
            "entries": entries,
            "week_start": week_start,
            "today_time": user_time_today(user),
            "month": month.total,
            "month_start": today.replace(day=1),
        },
    )
