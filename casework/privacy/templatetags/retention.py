"""``{% load retention %}{% retention_panel case %}``: the retention status of a case (legal hold,
or the date its data were anonymised) with the manager's link to set or lift a hold. Meant for the
case file page."""

from typing import Any

from django import template

from casework.models import Case
from casework.privacy.selectors import case_retention

register = template.Library()


@register.inclusion_tag("casework/retention/_case_panel.html", takes_context=True)
def retention_panel(context: dict[str, Any], case: Case) -> dict[str, Any]:
    return {"retention": case_retention(case), "user": context.get("user")}
