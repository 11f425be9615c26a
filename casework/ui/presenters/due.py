"""What is due in a case (casework.selectors.case_file.DueItem) in words."""

from __future__ import annotations

from django.utils.translation import gettext as _

from casework.models import Appeal, Application, ContractReview, FamilyInterview
from casework.selectors.case_file import DueItem
from casework.ui.presenters.formats import cap, day_text


def due_text(item: DueItem, benefit_names: dict[str, str]) -> str:
    subject = item.subject
    if isinstance(subject, FamilyInterview):
        return cap(str(subject.get_kind_display()))
    if isinstance(subject, Application):
        benefits = ", ".join(benefit_names.get(code, code) for code in subject.benefits)
        return _("Decyzja w sprawie wniosku z %(day)s: %(benefits)s") % {
            "day": day_text(subject.received_on),
            "benefits": benefits,
        }
    if isinstance(subject, Appeal):
        return _("Przekazanie do SKO odwołania od decyzji nr %(number)s") % {
            "number": subject.decision.number
        }
    if isinstance(subject, ContractReview):
        return _("Ocena realizacji kontraktu socjalnego – %(person)s") % {
            "person": subject.contract.person
        }
    raise TypeError(f"nothing due is a {type(subject).__name__}")
