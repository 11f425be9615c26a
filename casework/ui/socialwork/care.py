"""Care services: service plans and the hours delivered."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from casework.permissions import Capability, require_capability
from casework.selectors.care import service_plan_get
from casework.selectors.people import person_by_id
from casework.services.care import service_delivery_record, service_plan_create
from casework.ui.socialwork.actions import delivery_action, service_plan_action
from casework.ui.socialwork.common import (
    ANCHOR_SERVICES,
    case_of,
    case_url,
    casework_page,
    posted_data,
    submit_form,
)
from opsplatform.ui.access import signed_in_user

# --- care services -----------------------------------------------------------------------------


@casework_page
@require_http_methods(["GET", "POST"])
def service_plan_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.SERVICE_PLAN_MANAGE)
    case = case_of(case_id)
    action = service_plan_action(case, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        service_plan_create(
            user=signed_in_user(request),
            case=case,
            recipient=person_by_id(data["recipient"], field="recipient"),
            service_type=data["service_type"],
            provider_kind=data["provider_kind"],
            provider_name=data["provider_name"],
            hours_per_week=data["hours_per_week"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            hourly_cost=data["hourly_cost"],
            fee_rule=data["fee_rule"],
            fee_percent=data["fee_percent"],
        )
        return case_url(case, ANCHOR_SERVICES), str(_("Zapisano plan usług opiekuńczych."))

    return submit_form(
        request,
        action,
        save,
        title=str(_("Nowy plan usług – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_SERVICES),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def service_delivery_view(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.SERVICE_PLAN_MANAGE)
    plan = service_plan_get(public_id=plan_id)
    action = delivery_action(plan, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        delivery = service_delivery_record(
            user=signed_in_user(request),
            plan=plan,
            day=data["day"],
            hours=data["hours"],
            carer=data["carer"],
        )
        return case_url(plan.case, ANCHOR_SERVICES), str(
            _("Zapisano %(hours)s godz. usług z dnia %(day)s.")
            % {"hours": f"{delivery.hours:n}".replace(".", ","), "day": f"{delivery.day:%d.%m.%Y}"}
        )

    return submit_form(
        request,
        action,
        save,
        title=f"{action.title} – {plan.recipient}",
        back=case_url(plan.case, ANCHOR_SERVICES),
    )
