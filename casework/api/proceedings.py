"""Benefit proceedings: applications, family interviews, authorisations, decisions, delay
notices and appeals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import (
    CaseworkApiView,
    CaseworkListApi,
    query_param,
    validated,
)
from casework.api.cases import _uuid
from casework.audit import audit_reads
from casework.models import (
    Appeal,
    Application,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
)
from casework.models.proceedings import (
    AppealOutcome,
    ApplicationStatus,
    DecisionOutcome,
    InterviewKind,
    PaymentSchedule,
)
from casework.permissions import Capability, require_capability
from casework.selectors.cases import (
    appeal_get,
    appeal_list,
    application_by_id,
    application_get,
    application_list,
    case_by_id,
    decision_by_id,
    decision_get,
    decision_list,
    interview_get,
    interview_list,
    worker_by_id,
)
from casework.selectors.people import person_by_id
from casework.services.proceedings import (
    appeal_decide,
    appeal_forward,
    appeal_register,
    application_register,
    authorisation_grant,
    decision_deliver,
    decision_issue,
    delay_notice_send,
    effective_due_on,
    interview_record,
    interview_schedule,
)
from casework.visibility import households_q
from opsplatform.api.authentication import account
from opsplatform.api.fields import TextField
from tenants.accounts.models import User

# --- applications ----------------------------------------------------------------------------


class DelayNoticeOutput(serializers.ModelSerializer[DelayNotice]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = DelayNotice
        fields = ["id", "sent_on", "new_due_on", "reason"]


class ApplicationOutput(serializers.ModelSerializer[Application]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    applicant = serializers.UUIDField(source="applicant.public_id", read_only=True)
    delay_notices = DelayNoticeOutput(many=True, read_only=True)
    effective_due_on = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "case", "case_number", "applicant", "received_on", "benefits", "urgent",
            "complex", "status", "decision_due_on", "effective_due_on", "delay_notices",
        ]  # fmt: skip

    def get_effective_due_on(self, application: Application) -> str:
        return effective_due_on(application).isoformat()


class ApplicationInput(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    applicant = serializers.UUIDField()
    received_on = serializers.DateField()
    benefits = serializers.ListField(child=serializers.SlugField(max_length=60))
    urgent = serializers.BooleanField(default=False)
    complex = serializers.BooleanField(
        default=False, help_text="Sprawa szczególnie skomplikowana: termin 2 miesiące."
    )


class DelayNoticeInput(serializers.Serializer[Any]):
    sent_on = serializers.DateField()
    new_due_on = serializers.DateField()
    reason = TextField(max_length=500, multiline=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="application_list",
        parameters=[
            OpenApiParameter("status", str, enum=ApplicationStatus.values),
            OpenApiParameter("case", str, description="Identyfikator sprawy."),
        ],
        responses=ApplicationOutput(many=True),
    )
)
class ApplicationListApi(CaseworkListApi):
    serializer = ApplicationOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Application]:
        case = query_param(request, "case", serializers.UUIDField(allow_null=True))
        return application_list(status=request.query_params.get("status", ""), case=case).filter(
            households_q(user, "case__household")
        )

    @extend_schema(
        operation_id="application_register",
        request=ApplicationInput,
        responses={201: ApplicationOutput},
        description="Termin załatwienia (KPA) liczony jest od daty wpływu: miesiąc, a w sprawie "
        "szczególnie skomplikowanej dwa miesiące.",
    )
    def post(self, request: Request) -> Response:
        data = validated(ApplicationInput, request.data)
        application = application_register(
            user=account(request),
            case=case_by_id(data["case"]),
            applicant=person_by_id(data["applicant"], field="applicant"),
            received_on=data["received_on"],
            benefits=data["benefits"],
            urgent=data["urgent"],
            is_complex=data["complex"],
        )
        return Response(
            ApplicationOutput(application_get(public_id=application.public_id)).data, status=201
        )


class ApplicationDetailApi(CaseworkApiView):
    @extend_schema(operation_id="application_get", responses=ApplicationOutput)
    def get(self, request: Request, application_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        application = application_get(public_id=application_id)
        audit_reads([application])
        return Response(ApplicationOutput(application).data)


class DelayNoticeApi(CaseworkApiView):
    @extend_schema(
        operation_id="application_delay_notice",
        request=DelayNoticeInput,
        responses={201: ApplicationOutput},
        description="Zawiadomienie strony o niezałatwieniu sprawy w terminie (art. 36 KPA).",
    )
    def post(self, request: Request, application_id: str) -> Response:
        application = application_get(public_id=application_id)
        delay_notice_send(
            user=account(request),
            application=application,
            **validated(DelayNoticeInput, request.data),
        )
        return Response(
            ApplicationOutput(application_get(public_id=application_id)).data, status=201
        )


# --- family interviews -----------------------------------------------------------------------


class InterviewOutput(serializers.ModelSerializer[FamilyInterview]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = serializers.UUIDField(source="case.public_id", read_only=True)
    application = _uuid("application.public_id")
    worker = serializers.UUIDField(source="worker.public_id", read_only=True)

    class Meta:
        model = FamilyInterview
        fields = [
            "id", "case", "application", "kind", "needed_since", "due_on", "conducted_on",
            "worker", "diagnosis", "help_plan",
        ]  # fmt: skip


class InterviewInput(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    application = serializers.UUIDField(required=False, allow_null=True)
    worker = serializers.UUIDField(required=False, help_text="Domyślnie: zalogowany pracownik.")
    kind = serializers.ChoiceField(InterviewKind.choices, default=InterviewKind.FULL)
    needed_since = serializers.DateField()
    urgent = serializers.BooleanField(required=False, allow_null=True, default=None)


class InterviewRecordInput(serializers.Serializer[Any]):
    conducted_on = serializers.DateField()
    diagnosis = TextField(multiline=True)
    help_plan = TextField(multiline=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="interview_list",
        parameters=[
            OpenApiParameter("case", str),
            OpenApiParameter("pending", bool, description="Tylko nieprzeprowadzone."),
        ],
        responses=InterviewOutput(many=True),
    )
)
class InterviewListApi(CaseworkListApi):
    serializer = InterviewOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[FamilyInterview]:
        case = query_param(request, "case", serializers.UUIDField(allow_null=True))
        pending = query_param(request, "pending", serializers.BooleanField(allow_null=True))
        return interview_list(case=case, pending=pending).filter(
            households_q(user, "case__household")
        )

    @extend_schema(
        operation_id="interview_schedule",
        request=InterviewInput,
        responses={201: InterviewOutput},
        description="Termin: 14 dni roboczych od stwierdzenia potrzeby, 2 dni w sprawie pilnej "
        "(święta ustawowo wolne od pracy nie są dniami roboczymi).",
    )
    def post(self, request: Request) -> Response:
        data = validated(InterviewInput, request.data)
        application = application_by_id(data["application"]) if data.get("application") else None
        interview = interview_schedule(
            user=account(request),
            case=case_by_id(data["case"]),
            application=application,
            worker=worker_by_id(data["worker"]) if data.get("worker") else account(request),
            kind=data["kind"],
            needed_since=data["needed_since"],
            urgent=data.get("urgent"),
        )
        return Response(
            InterviewOutput(interview_get(public_id=interview.public_id)).data, status=201
        )


class InterviewRecordApi(CaseworkApiView):
    @extend_schema(
        operation_id="interview_record", request=InterviewRecordInput, responses=InterviewOutput
    )
    def post(self, request: Request, interview_id: str) -> Response:
        interview = interview_get(public_id=interview_id)
        interview_record(
            user=account(request),
            interview=interview,
            **validated(InterviewRecordInput, request.data),
        )
        return Response(InterviewOutput(interview_get(public_id=interview_id)).data)


# --- authorisations and decisions ------------------------------------------------------------


class AuthorisationOutput(serializers.ModelSerializer[DecisionAuthorisation]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    worker = serializers.UUIDField(source="worker.public_id", read_only=True)

    class Meta:
        model = DecisionAuthorisation
        fields = ["id", "worker", "reference", "valid_from", "valid_to"]


class AuthorisationInput(serializers.Serializer[Any]):
    worker = serializers.UUIDField()
    reference = TextField(max_length=60)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)


class AuthorisationApi(CaseworkApiView):
    @extend_schema(
        operation_id="authorisation_grant",
        request=AuthorisationInput,
        responses={201: AuthorisationOutput},
        description="Upoważnienie kierownika do wydawania decyzji administracyjnych.",
    )
    def post(self, request: Request) -> Response:
        data = validated(AuthorisationInput, request.data)
        data["worker"] = worker_by_id(data["worker"])
        authorisation = authorisation_grant(user=account(request), **data)
        return Response(AuthorisationOutput(authorisation).data, status=201)


class DecisionOutput(serializers.ModelSerializer[Decision]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    application = serializers.UUIDField(source="application.public_id", read_only=True)
    case_number = serializers.CharField(source="application.case.number", read_only=True)
    issued_by = serializers.CharField(source="issued_by.get_full_name", read_only=True)
    interview = serializers.UUIDField(source="interview.public_id", read_only=True)

    class Meta:
        model = Decision
        fields = [
            "id", "number", "application", "case_number", "outcome", "benefit", "amount",
            "period_from", "period_to", "payment_schedule", "legal_basis", "reasoning",
            "issued_on", "issued_by", "interview", "delivered_on",
        ]  # fmt: skip


class DecisionInput(serializers.Serializer[Any]):
    application = serializers.UUIDField()
    benefit = serializers.SlugField(max_length=60)
    outcome = serializers.ChoiceField(DecisionOutcome.choices)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )
    period_from = serializers.DateField(required=False, allow_null=True)
    period_to = serializers.DateField(required=False, allow_null=True)
    payment_schedule = serializers.ChoiceField(
        PaymentSchedule.choices, required=False, allow_blank=True
    )
    legal_basis = TextField(max_length=300, required=False, allow_blank=True)
    reasoning = TextField(multiline=True)
    issued_on = serializers.DateField()


class DeliverInput(serializers.Serializer[Any]):
    delivered_on = serializers.DateField()


@extend_schema_view(
    get=extend_schema(
        operation_id="decision_list",
        parameters=[OpenApiParameter("application", str)],
        responses=DecisionOutput(many=True),
    )
)
class DecisionListApi(CaseworkListApi):
    serializer = DecisionOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Decision]:
        application = query_param(request, "application", serializers.UUIDField(allow_null=True))
        return decision_list(application=application).filter(
            households_q(user, "application__case__household")
        )

    @extend_schema(
        operation_id="decision_issue",
        request=DecisionInput,
        responses={201: DecisionOutput},
        description="Wydaje decyzję w sprawie jednego świadczenia z wniosku. Wymaga upoważnienia "
        "kierownika i przeprowadzonego wywiadu środowiskowego (lub jego aktualizacji).",
    )
    def post(self, request: Request) -> Response:
        data = validated(DecisionInput, request.data)
        application = application_by_id(data.pop("application"))
        decision = decision_issue(user=account(request), application=application, **data)
        return Response(DecisionOutput(decision_get(public_id=decision.public_id)).data, status=201)


class DecisionDetailApi(CaseworkApiView):
    @extend_schema(operation_id="decision_get", responses=DecisionOutput)
    def get(self, request: Request, decision_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        decision = decision_get(public_id=decision_id)
        audit_reads([decision])
        return Response(DecisionOutput(decision).data)


class DecisionDeliverApi(CaseworkApiView):
    @extend_schema(operation_id="decision_deliver", request=DeliverInput, responses=DecisionOutput)
    def post(self, request: Request, decision_id: str) -> Response:
        decision = decision_get(public_id=decision_id)
        decision_deliver(
            user=account(request), decision=decision, **validated(DeliverInput, request.data)
        )
        return Response(DecisionOutput(decision_get(public_id=decision_id)).data)


# --- appeals ---------------------------------------------------------------------------------


class AppealOutput(serializers.ModelSerializer[Appeal]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    decision = serializers.UUIDField(source="decision.public_id", read_only=True)
    decision_number = serializers.CharField(source="decision.number", read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "decision",
            "decision_number",
            "lodged_on",
            "forwarded_on",
            "outcome",
            "outcome_on",
        ]


class AppealInput(serializers.Serializer[Any]):
    decision = serializers.UUIDField()
    lodged_on = serializers.DateField()


class AppealForwardInput(serializers.Serializer[Any]):
    forwarded_on = serializers.DateField()


class AppealDecideInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField([c for c in AppealOutcome.choices if c[0] != "pending"])
    outcome_on = serializers.DateField()


@extend_schema_view(
    get=extend_schema(
        operation_id="appeal_list",
        parameters=[OpenApiParameter("pending", bool)],
        responses=AppealOutput(many=True),
    )
)
class AppealListApi(CaseworkListApi):
    serializer = AppealOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Appeal]:
        pending = serializers.BooleanField(allow_null=True).run_validation(
            request.query_params.get("pending")
        )
        return appeal_list(pending=pending).filter(
            households_q(user, "decision__application__case__household")
        )

    @extend_schema(
        operation_id="appeal_register",
        request=AppealInput,
        responses={201: AppealOutput},
        description="Odwołanie wnosi się w terminie 14 dni od doręczenia decyzji.",
    )
    def post(self, request: Request) -> Response:
        data = validated(AppealInput, request.data)
        appeal = appeal_register(
            user=account(request),
            decision=decision_by_id(data["decision"]),
            lodged_on=data["lodged_on"],
        )
        return Response(AppealOutput(appeal_get(public_id=appeal.public_id)).data, status=201)


class AppealForwardApi(CaseworkApiView):
    @extend_schema(
        operation_id="appeal_forward", request=AppealForwardInput, responses=AppealOutput
    )
    def post(self, request: Request, appeal_id: str) -> Response:
        appeal = appeal_get(public_id=appeal_id)
        appeal_forward(
            user=account(request), appeal=appeal, **validated(AppealForwardInput, request.data)
        )
        return Response(AppealOutput(appeal_get(public_id=appeal_id)).data)


class AppealDecideApi(CaseworkApiView):
    @extend_schema(operation_id="appeal_decide", request=AppealDecideInput, responses=AppealOutput)
    def post(self, request: Request, appeal_id: str) -> Response:
        appeal = appeal_get(public_id=appeal_id)
        appeal_decide(
            user=account(request), appeal=appeal, **validated(AppealDecideInput, request.data)
        )
        return Response(AppealOutput(appeal_get(public_id=appeal_id)).data)
