"""Intake at the first-contact desk, cases and handovers, teams and staff, dictionaries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView, CaseworkListApi, query_param, validated
from casework.audit import audit_reads
from casework.models import Case, CaseAssignment, Handover, Intake
from casework.models.intake import Channel, IntakeOutcome, ReporterKind
from casework.permissions import Capability, require_capability
from casework.reference.models import AssistanceReason, BenefitType
from casework.reference.selectors import benefit_types, reasons_valid_on
from casework.selectors.cases import (
    case_get,
    case_list,
    intake_get,
    intake_list,
    staff_list,
    team_by_code,
    team_list,
    worker_by_id,
)
from casework.selectors.people import household_by_id, person_by_id
from casework.services.cases import case_assign, case_close, case_handover, case_open
from casework.services.intake import intake_register, intake_resolve, intake_route
from casework.visibility import cases_q, intakes_q
from opsplatform.api.authentication import account
from opsplatform.api.fields import TextField
from opsplatform.text_rules import NOTE_MAX_LENGTH
from tenants.accounts.models import User
from tenants.org.models import Team


def _uuid(source: str) -> serializers.UUIDField:
    return serializers.UUIDField(source=source, read_only=True, allow_null=True)


# --- dictionaries, teams and staff ------------------------------------------------------------


class ReasonOutput(serializers.ModelSerializer[AssistanceReason]):
    class Meta:
        model = AssistanceReason
        fields = ["code", "name", "act_point", "valid_from", "valid_to", "sensitive"]


class BenefitOutput(serializers.ModelSerializer[BenefitType]):
    class Meta:
        model = BenefitType
        fields = ["code", "name", "kind", "by_decision", "legal_basis"]


class ReasonListApi(CaseworkApiView):
    pagination_class = None

    @extend_schema(
        operation_id="reference_reasons",
        parameters=[OpenApiParameter("on", str, description="Dzień (RRRR-MM-DD), domyślnie dziś.")],
        responses=ReasonOutput(many=True),
        description="Powody udzielenia pomocy (art. 7 u.p.s.) obowiązujące w danym dniu.",
    )
    def get(self, request: Request) -> Response:
        on = query_param(request, "on", serializers.DateField(), timezone.localdate().isoformat())
        return Response(ReasonOutput(reasons_valid_on(on), many=True).data)


class BenefitListApi(CaseworkApiView):
    pagination_class = None

    @extend_schema(operation_id="reference_benefits", responses=BenefitOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(BenefitOutput(benefit_types(), many=True).data)


class StaffMemberOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id")
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    role = serializers.CharField()
    teams = serializers.SerializerMethodField()

    def get_teams(self, user: User) -> list[str]:
        return [position.team.code for position in user.current_positions]  # type: ignore[attr-defined]  # Prefetch(to_attr=)


class TeamOutput(serializers.ModelSerializer[Team]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)  # type: ignore[assignment]  # Field.parent is the parent serializer in the stubs
    workers = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "code", "name", "kind", "parent", "functions", "name_assumed", "workers"]

    def get_workers(self, team: Team) -> list[dict[str, Any]]:
        return [
            {"id": str(p.person.public_id), "name": p.person.get_full_name(), "fte": str(p.fte)}
            for p in team.current_positions  # type: ignore[attr-defined]  # Prefetch(to_attr=)
            if p.person is not None
        ]


class TeamListApi(CaseworkApiView):
    pagination_class = None

    @extend_schema(operation_id="team_list", responses=TeamOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(TeamOutput(team_list(), many=True).data)


@extend_schema_view(
    get=extend_schema(operation_id="staff_list", responses=StaffMemberOutput(many=True))
)
class StaffListApi(CaseworkListApi):
    serializer = StaffMemberOutput
    audited = False  # the centre's staff accounts, no household's data

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[User]:
        return staff_list()


# --- intake ----------------------------------------------------------------------------------


class IntakeOutput(serializers.ModelSerializer[Intake]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = _uuid("person.public_id")
    household = _uuid("household.public_id")
    routed_team = serializers.CharField(source="routed_team.code", read_only=True, allow_null=True)
    routed_worker = _uuid("routed_worker.public_id")
    case = serializers.CharField(source="case.number", read_only=True, allow_null=True)
    registered_by = serializers.CharField(source="registered_by.username", read_only=True)

    class Meta:
        model = Intake
        fields = [
            "id", "arrived_at", "channel", "reporter_kind", "reporter_name", "person", "household",
            "reasons", "notes", "outcome", "outcome_note", "routed_team", "routed_worker",
            "resolved_at", "case", "registered_by",
        ]  # fmt: skip


class IntakeInput(serializers.Serializer[Any]):
    arrived_at = serializers.DateTimeField(required=False)
    channel = serializers.ChoiceField(Channel.choices)
    reporter_kind = serializers.ChoiceField(ReporterKind.choices)
    reporter_name = TextField(max_length=200, required=False, allow_blank=True)
    person = serializers.UUIDField(required=False, allow_null=True)
    household = serializers.UUIDField(required=False, allow_null=True)
    reasons = serializers.ListField(child=serializers.SlugField(max_length=60), allow_empty=True)
    notes = TextField(multiline=True, max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class IntakeResolveInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(
        [(c, IntakeOutcome(c).label) for c in ("information", "advice", "referral_outside")]
    )
    note = TextField(max_length=300, required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False)


class IntakeRouteInput(serializers.Serializer[Any]):
    team = serializers.SlugField(help_text="Kod komórki, np. swiadczenia (GET /api/teams/).")
    worker = serializers.UUIDField(required=False, allow_null=True)
    note = TextField(max_length=300, required=False, allow_blank=True)
    at = serializers.DateTimeField(required=False)


@extend_schema_view(
    get=extend_schema(
        operation_id="intake_list",
        parameters=[
            OpenApiParameter("outcome", str, enum=IntakeOutcome.values),
            OpenApiParameter("from", str, description="Od dnia (RRRR-MM-DD)."),
            OpenApiParameter("to", str, description="Do dnia (RRRR-MM-DD)."),
        ],
        responses=IntakeOutput(many=True),
    )
)
class IntakeListApi(CaseworkListApi):
    serializer = IntakeOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Intake]:
        day = serializers.DateField(allow_null=True)
        return intake_list(
            outcome=request.query_params.get("outcome", ""),
            day_from=query_param(request, "from", day),
            day_to=query_param(request, "to", day),
        ).filter(intakes_q(user))

    @extend_schema(
        operation_id="intake_register", request=IntakeInput, responses={201: IntakeOutput}
    )
    def post(self, request: Request) -> Response:
        data = validated(IntakeInput, request.data)
        if data.get("person"):
            data["person"] = person_by_id(data["person"])
        if data.get("household"):
            data["household"] = household_by_id(data["household"])
        intake = intake_register(user=account(request), **data)
        return Response(IntakeOutput(intake_get(public_id=intake.public_id)).data, status=201)


class IntakeDetailApi(CaseworkApiView):
    @extend_schema(operation_id="intake_get", responses=IntakeOutput)
    def get(self, request: Request, intake_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        intake = intake_get(public_id=intake_id)
        audit_reads([intake])
        return Response(IntakeOutput(intake).data)


class IntakeResolveApi(CaseworkApiView):
    @extend_schema(
        operation_id="intake_resolve", request=IntakeResolveInput, responses=IntakeOutput
    )
    def post(self, request: Request, intake_id: str) -> Response:
        intake = intake_get(public_id=intake_id)
        intake = intake_resolve(
            user=account(request), intake=intake, **validated(IntakeResolveInput, request.data)
        )
        return Response(IntakeOutput(intake_get(public_id=intake.public_id)).data)


class IntakeRouteApi(CaseworkApiView):
    @extend_schema(
        operation_id="intake_route",
        request=IntakeRouteInput,
        responses=IntakeOutput,
        description="Przekazuje zgłoszenie do zespołu (i pracownika); otwiera sprawę gospodarstwa, "
        "jeśli nie ma otwartej, i przypisuje ją zespołowi.",
    )
    def post(self, request: Request, intake_id: str) -> Response:
        intake = intake_get(public_id=intake_id)
        data = validated(IntakeRouteInput, request.data)
        data["team"] = team_by_code(data["team"])
        if data.get("worker"):
            data["worker"] = worker_by_id(data["worker"])
        intake = intake_route(user=account(request), intake=intake, **data)
        return Response(IntakeOutput(intake_get(public_id=intake.public_id)).data)


# --- cases -----------------------------------------------------------------------------------


class AssignmentOutput(serializers.ModelSerializer[CaseAssignment]):
    team = serializers.CharField(source="team.code", read_only=True)
    worker = _uuid("worker.public_id")
    worker_name = serializers.CharField(
        source="worker.get_full_name", read_only=True, allow_null=True
    )

    class Meta:
        model = CaseAssignment
        fields = ["function", "team", "worker", "worker_name", "started_on"]


class HandoverOutput(serializers.ModelSerializer[Handover]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    from_team = serializers.CharField(source="from_team.code", read_only=True, allow_null=True)
    to_team = serializers.CharField(source="to_team.code", read_only=True)
    from_worker = _uuid("from_worker.public_id")
    to_worker = _uuid("to_worker.public_id")
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id", "from_team", "to_team", "from_worker", "to_worker", "reason", "handed_over_at",
            "by",
        ]  # fmt: skip


class CaseOutput(serializers.ModelSerializer[Case]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    household = serializers.UUIDField(source="household.public_id", read_only=True)
    assignments = AssignmentOutput(source="current_assignments", many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "number", "household", "status", "opened_on", "closed_on", "closing_reason",
            "assignments",
        ]  # fmt: skip


class CaseDetailOutput(CaseOutput):
    handovers = HandoverOutput(many=True, read_only=True)

    class Meta(CaseOutput.Meta):
        fields = [*CaseOutput.Meta.fields, "handovers"]


class CaseInput(serializers.Serializer[Any]):
    household = serializers.UUIDField()
    opened_on = serializers.DateField(required=False)


class CaseCloseInput(serializers.Serializer[Any]):
    closed_on = serializers.DateField()
    reason = TextField(max_length=300)


class CaseAssignInput(serializers.Serializer[Any]):
    team = serializers.SlugField()
    worker = serializers.UUIDField(required=False, allow_null=True)
    function = serializers.CharField(required=False, allow_blank=True)


class CaseHandoverInput(CaseAssignInput):
    reason = TextField(max_length=300)
    at = serializers.DateTimeField(required=False)


@extend_schema_view(
    get=extend_schema(
        operation_id="case_list",
        parameters=[
            OpenApiParameter("status", str, enum=["open", "closed"]),
            OpenApiParameter("team", str, description="Kod komórki."),
            OpenApiParameter("worker", str, description="Identyfikator pracownika."),
        ],
        responses=CaseOutput(many=True),
    )
)
class CaseListApi(CaseworkListApi):
    serializer = CaseOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Case]:
        worker = query_param(request, "worker", serializers.UUIDField(allow_null=True))
        status_filter = query_param(
            request, "status", serializers.ChoiceField(["open", "closed"], allow_blank=True), ""
        )
        return case_list(
            status=status_filter, team=request.query_params.get("team", ""), worker=worker
        ).filter(cases_q(user))

    @extend_schema(operation_id="case_open", request=CaseInput, responses={201: CaseOutput})
    def post(self, request: Request) -> Response:
        data = validated(CaseInput, request.data)
        household = household_by_id(data["household"])
        case = case_open(
            user=account(request), household=household, opened_on=data.get("opened_on")
        )
        return Response(CaseDetailOutput(case_get(public_id=case.public_id)).data, status=201)


class CaseDetailApi(CaseworkApiView):
    @extend_schema(operation_id="case_get", responses=CaseDetailOutput)
    def get(self, request: Request, case_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        case = case_get(public_id=case_id)
        audit_reads([case])
        return Response(CaseDetailOutput(case).data)


class CaseCloseApi(CaseworkApiView):
    @extend_schema(operation_id="case_close", request=CaseCloseInput, responses=CaseDetailOutput)
    def post(self, request: Request, case_id: str) -> Response:
        case = case_close(
            user=account(request),
            case=case_get(public_id=case_id),
            **validated(CaseCloseInput, request.data),
        )
        return Response(CaseDetailOutput(case_get(public_id=case.public_id)).data)


def _team_and_worker(data: dict[str, Any]) -> dict[str, Any]:
    data["team"] = team_by_code(data["team"])
    data["worker"] = worker_by_id(data["worker"]) if data.get("worker") else None
    data["function"] = data.get("function") or None
    return data


class CaseAssignApi(CaseworkApiView):
    @extend_schema(operation_id="case_assign", request=CaseAssignInput, responses=CaseDetailOutput)
    def post(self, request: Request, case_id: str) -> Response:
        case = case_get(public_id=case_id)
        case_assign(
            user=account(request),
            case=case,
            **_team_and_worker(validated(CaseAssignInput, request.data)),
        )
        return Response(CaseDetailOutput(case_get(public_id=case_id)).data)


class CaseHandoverApi(CaseworkApiView):
    @extend_schema(
        operation_id="case_handover",
        request=CaseHandoverInput,
        responses={201: HandoverOutput},
        description="Przekazanie sprawy innemu zespołowi (i pracownikowi) z powodem i czasem.",
    )
    def post(self, request: Request, case_id: str) -> Response:
        case = case_get(public_id=case_id)
        data = _team_and_worker(validated(CaseHandoverInput, request.data))
        handover = case_handover(
            user=account(request),
            case=case,
            to_team=data["team"],
            to_worker=data["worker"],
            function=data["function"],
            reason=data["reason"],
            at=data.get("at"),
        )
        return Response(HandoverOutput(handover).data, status=status.HTTP_201_CREATED)
