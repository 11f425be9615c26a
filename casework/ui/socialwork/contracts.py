"""Social contracts: the contract page and the forms of its steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from casework.audit import audit_reads
from casework.models import SocialContract
from casework.models.socialwork import ContractStatus
from casework.permissions import Capability, require_capability
from casework.selectors.cases import worker_by_id
from casework.selectors.people import person_by_id
from casework.selectors.socialwork import contract_get, contract_review_get
from casework.services.socialwork import (
    contract_break,
    contract_complete,
    contract_create,
    contract_review_plan,
    contract_review_record,
    contract_sign,
)
from casework.ui.socialwork.actions import (
    break_action,
    complete_action,
    contract_actions,
    contract_create_action,
    review_plan_action,
    review_record_action,
    sign_action,
)
from casework.ui.socialwork.common import (
    ANCHOR_CONTRACTS,
    RETURN_TO_CONTRACT,
    FormAction,
    after_contract_step,
    case_of,
    case_url,
    casework_page,
    contract_anchor,
    optional_url,
    posted_data,
    return_choice,
    submit_form,
    ui_url,
)
from opsplatform.ui.access import signed_in_user

# --- social contracts ------------------------------------------------------------------------


@casework_page
@require_http_methods(["GET"])
def contract_detail(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.READ)
    contract = contract_get(public_id=contract_id)
    audit_reads([contract])
    return render(
        request,
        "casework/ui/socialwork/contract_detail.html",
        {
            "contract": contract,
            "reviews": list(contract.reviews.all()),
            "actions": contract_actions(signed_in_user(request), contract, RETURN_TO_CONTRACT),
            "case_url": case_url(contract.case, contract_anchor(contract)),
            "print_url": optional_url("contract-print", contract_id=contract.public_id),
            "pdf_url": optional_url("contract-pdf", contract_id=contract.public_id),
        },
    )


@casework_page
@require_http_methods(["GET", "POST"])
def contract_create_view(request: HttpRequest, case_id: UUID) -> HttpResponse:
    require_capability(signed_in_user(request), Capability.CONTRACT_MANAGE)
    case = case_of(case_id)
    action = contract_create_action(request, case, posted_data(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        person = person_by_id(data["person"], field="person")
        worker = worker_by_id(data["worker"]) if data.get("worker") else None
        contract = contract_create(
            user=signed_in_user(request),
            case=case,
            person=person,
            variant=data["variant"],
            goals=data["goals"],
            client_obligations=data["client_obligations"],
            centre_obligations=data["centre_obligations"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            worker=worker,
        )
        return (
            ui_url("contract-detail", contract_id=contract.public_id),
            str(_("Zapisano projekt kontraktu socjalnego. Podpisz go, gdy strony go podpiszą.")),
        )

    return submit_form(
        request,
        action,
        save,
        title=str(_("Nowy kontrakt socjalny – sprawa %(number)s") % {"number": case.number}),
        back=case_url(case, ANCHOR_CONTRACTS),
    )


def _managed_contract(request: HttpRequest, contract_id: UUID) -> SocialContract:
    require_capability(signed_in_user(request), Capability.CONTRACT_MANAGE)
    return contract_get(public_id=contract_id)


def _contract_step(
    request: HttpRequest,
    contract: SocialContract,
    make: Callable[[SocialContract, Any, str], FormAction],
    run: Callable[[SocialContract, dict[str, Any]], str],
) -> HttpResponse:
    return_to = return_choice(request)
    action = make(contract, posted_data(request), return_to)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        message = run(contract, data)
        return after_contract_step(contract, return_to), message

    return submit_form(
        request,
        action,
        save,
        title=f"{action.title} – {contract.person}",
        back=after_contract_step(contract, return_to),
    )


@casework_page
@require_http_methods(["GET", "POST"])
def contract_sign_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        signed = contract_sign(
            user=signed_in_user(request), contract=contract, signed_on=data["signed_on"]
        )
        if signed.status == ContractStatus.ACTIVE:
            return str(_("Kontrakt podpisany – jest realizowany."))
        return str(
            _("Kontrakt podpisany – będzie realizowany od %(day)s.")
            % {"day": f"{signed.starts_on:%d.%m.%Y}"}
        )

    return _contract_step(request, _managed_contract(request, contract_id), sign_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_review_plan_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        review = contract_review_plan(
            user=signed_in_user(request), contract=contract, due_on=data["due_on"]
        )
        return str(
            _("Zaplanowano ocenę realizacji kontraktu na %(day)s.")
            % {"day": f"{review.due_on:%d.%m.%Y}"}
        )

    contract = _managed_contract(request, contract_id)
    return _contract_step(request, contract, review_plan_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_review_record_view(
    request: HttpRequest, contract_id: UUID, review_id: UUID
) -> HttpResponse:
    contract = _managed_contract(request, contract_id)
    review = contract_review_get(contract=contract, public_id=review_id)

    def make(contract: SocialContract, data: Any, return_to: str) -> FormAction:
        return review_record_action(contract, review, data, return_to)

    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_review_record(
            user=signed_in_user(request), review=review, done_on=data["done_on"], note=data["note"]
        )
        return str(_("Zapisano ocenę realizacji kontraktu."))

    return _contract_step(request, contract, make, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_complete_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_complete(
            user=signed_in_user(request),
            contract=contract,
            closed_on=data["closed_on"],
            goals_achieved=data["goals_achieved"],
            outcome_note=data["outcome_note"],
        )
        return str(_("Kontrakt zakończony."))

    return _contract_step(request, _managed_contract(request, contract_id), complete_action, run)


@casework_page
@require_http_methods(["GET", "POST"])
def contract_break_view(request: HttpRequest, contract_id: UUID) -> HttpResponse:
    def run(contract: SocialContract, data: dict[str, Any]) -> str:
        contract_break(
            user=signed_in_user(request),
            contract=contract,
            closed_on=data["closed_on"],
            outcome_note=data["outcome_note"],
        )
        return str(_("Zapisano zerwanie kontraktu."))

    return _contract_step(request, _managed_contract(request, contract_id), break_action, run)
