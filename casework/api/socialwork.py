"""Social work: activity log and its summary, social contracts with their reviews, individual
programmes (social projects and PAL: ``casework.api.projects``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView, CaseworkListApi, validated
from casework.api.refs import (
    PERIOD_PARAMETERS,
    CaseRef,
    PeriodQuery,
    PersonRef,
    TeamRef,
    UserRef,
)
from casework.audit import audit_reads
from casework.models import (
    ActivityEntry,
    ContractReview,
    IndividualProgramme,
    SocialContract,
)
from casework.models.socialwork import (
    ActivityCategory,
    ContractStatus,
    ContractVariant,
    ProgrammeKind,
    ProgrammeStatus,
)
from casework.permissions import Capability, require_capability
from casework.selectors.cases import case_by_id, team_by_code, worker_by_id
from casework.selectors.people import household_by_id, person_by_id
from casework.selectors.socialwork import (
    activity_list,
    activity_summary,
    contract_get,
    contract_list,
    contract_review_get,
    programme_get,
    programme_list,
)
from casework.services.socialwork import (
    activity_log,
    contract_break,
    contract_complete,
    contract_create,
    contract_review_plan,
    contract_review_record,
    contract_sign,
    programme_complete,
    programme_create,
    programme_discontinue,
)
from casework.visibility import activities_q, households_q
from opsplatform.api.authentication import account
from opsplatform.api.fields import TextField
from opsplatform.errors import field_error
from opsplatform.text_rules import NOTE_MAX_LENGTH
from tenants.accounts.models import User

# --- activity log ------------------------------------------------------------------------------


class ActivityOutput(serializers.ModelSerializer[ActivityEntry]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    worker = UserRef(read_only=True)
    household = serializers.UUIDField(source="household.public_id", read_only=True, allow_null=True)

    class Meta:
        model = ActivityEntry
        fields = ["id", "worker", "day", "minutes", "category", "household", "created_at"]


class ActivityInput(serializers.Serializer[Any]):
    day = serializers.DateField()
    minutes = serializers.IntegerField(help_text="Od 1 do 960; w jednym dniu łącznie do 960.")
    category = serializers.ChoiceField(ActivityCategory.choices)
    household = serializers.UUIDField(required=False, allow_null=True)


class ActivityQuery(PeriodQuery):
    worker = serializers.UUIDField(required=False)
    category = serializers.ChoiceField(ActivityCategory.choices, required=False)


@extend_schema_view(
    get=extend_schema(
        operation_id="activity_list",
        parameters=[
            OpenApiParameter("worker", str, description="Identyfikator pracownika."),
            OpenApiParameter("category", str, enum=ActivityCategory.values),
            *PERIOD_PARAMETERS,
        ],
        responses=ActivityOutput(many=True),
        description="Rejestr czasu pracy, od najnowszych wpisów.",
    )
)
class ActivityListApi(CaseworkListApi):
    serializer = ActivityOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[ActivityEntry]:
        query = validated(ActivityQuery, request.query_params)
        return activity_list(
            worker=query.get("worker"),
            date_from=query.get("from"),
            date_to=query.get("to"),
            category=query.get("category", ""),
        ).filter(activities_q(user))

    def audited_records(self, page: list[ActivityEntry]) -> list[Model]:
        return [entry for entry in page if entry.household_id]  # the rest is no household's

    @extend_schema(
        operation_id="activity_log",
        request=ActivityInput,
        responses={201: ActivityOutput},
        description="Pracownik rejestruje własny czas pracy (minuty, rodzaj czynności, "
        "opcjonalnie gospodarstwo). Suma minut w jednym dniu nie może przekroczyć 960.",
    )
    def post(self, request: Request) -> Response:
        require_capability(account(request), Capability.ACTIVITY_LOG)
        data = validated(ActivityInput, request.data)
        household_id = data.pop("household", None)
        if household_id:
            data["household"] = household_by_id(household_id)
        entry = activity_log(user=account(request), **data)
        return Response(ActivityOutput(entry).data, status=status.HTTP_201_CREATED)


class CategoryMinutesOutput(serializers.Serializer[Any]):
    social_work = serializers.IntegerField()
    proceedings = serializers.IntegerField()
    services = serializers.IntegerField()
    other = serializers.IntegerField()


class _TimeSplitFields(serializers.Serializer[Any]):
    minutes = CategoryMinutesOutput(source="time.minutes")
    total_minutes = serializers.IntegerField(source="time.total_minutes")
    social_work_share = serializers.DecimalField(
        source="time.social_work_share",
        max_digits=5,
        decimal_places=4,
        allow_null=True,
        help_text="Udział pracy socjalnej w zarejestrowanym czasie (0–1).",
    )


class WorkerTimeOutput(_TimeSplitFields):
    worker = UserRef()
    team = TeamRef(allow_null=True)


class TeamTimeOutput(_TimeSplitFields):
    team = TeamRef(allow_null=True, help_text="Brak: dni, w których pracownik nie miał etatu.")
    workers = serializers.IntegerField()


class TotalTimeOutput(serializers.Serializer[Any]):
    minutes = CategoryMinutesOutput()
    total_minutes = serializers.IntegerField()
    social_work_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)


class ActivitySummaryOutput(serializers.Serializer[Any]):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    workers = WorkerTimeOutput(many=True)
    teams = TeamTimeOutput(many=True)
    total = TotalTimeOutput()


class ActivitySummaryQuery(PeriodQuery):
    team = serializers.SlugField(required=False)
    worker = serializers.UUIDField(required=False)


class ActivitySummaryApi(CaseworkApiView):
    @extend_schema(
        operation_id="activity_summary",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("team", str, description="Kod komórki (z podległymi zespołami)."),
            OpenApiParameter("worker", str, description="Identyfikator pracownika."),
        ],
        responses=ActivitySummaryOutput,
        description="Minuty według rodzaju czynności i udział pracy socjalnej, na pracownika i "
        "na komórkę (według etatu w dniu wpisu). Domyślnie od początku bieżącego miesiąca do "
        "dziś. Podstawa wskaźnika „udział pracy socjalnej”.",
    )
    def get(self, request: Request) -> Response:
        require_capability(account(request), Capability.READ)
        query = validated(ActivitySummaryQuery, request.query_params)
        today = timezone.localdate()
        date_to = query.get("to") or today
        date_from = query.get("from") or min(today.replace(day=1), date_to)
        if date_to < date_from:
            raise field_error("to", "Koniec okresu nie może być przed jego początkiem.")
        team = team_by_code(query["team"]) if query.get("team") else None
        summary = activity_summary(
            date_from=date_from, date_to=date_to, team=team, worker=query.get("worker")
        )
        return Response(ActivitySummaryOutput(summary).data)


# --- social contracts ------------------------------------------------------------------------


class ReviewOutput(serializers.ModelSerializer[ContractReview]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = ContractReview
        fields = ["id", "due_on", "done_on", "note"]


class ContractOutput(serializers.ModelSerializer[SocialContract]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = CaseRef(read_only=True)
    person = PersonRef(read_only=True)
    worker = UserRef(read_only=True)
    reviews = ReviewOutput(many=True, read_only=True)

    class Meta:
        model = SocialContract
        fields = [
            "id", "case", "person", "worker", "variant", "goals", "client_obligations",
            "centre_obligations", "starts_on", "ends_on", "status", "signed_on", "closed_on",
            "goals_achieved", "outcome_note", "reviews", "created_at", "updated_at",
        ]  # fmt: skip


class ContractInput(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    person = serializers.UUIDField(help_text="Obecny członek gospodarstwa domowego sprawy.")
    variant = serializers.ChoiceField(ContractVariant.choices)
    goals = TextField(multiline=True, allow_blank=True)
    client_obligations = TextField(multiline=True, allow_blank=True)
    centre_obligations = TextField(multiline=True, allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    worker = serializers.UUIDField(
        required=False, help_text="Pracownik socjalny – strona kontraktu (domyślnie zalogowany)."
    )


class ContractQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(ContractStatus.choices, required=False)
    worker = serializers.UUIDField(required=False)
    case = serializers.UUIDField(required=False)


class ContractSignInput(serializers.Serializer[Any]):
    signed_on = serializers.DateField()


class ContractCompleteInput(serializers.Serializer[Any]):
    closed_on = serializers.DateField()
    goals_achieved = serializers.BooleanField()
    outcome_note = TextField(multiline=True, max_length=NOTE_MAX_LENGTH, allow_blank=True)


class ContractBreakInput(serializers.Serializer[Any]):
    closed_on = serializers.DateField()
    outcome_note = TextField(multiline=True, max_length=NOTE_MAX_LENGTH, allow_blank=True)


class ReviewPlanInput(serializers.Serializer[Any]):
    due_on = serializers.DateField()


class ReviewRecordInput(serializers.Serializer[Any]):
    done_on = serializers.DateField()
    note = TextField(multiline=True, max_length=NOTE_MAX_LENGTH, allow_blank=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="contract_list",
        parameters=[
            OpenApiParameter("status", str, enum=ContractStatus.values),
            OpenApiParameter("worker", str, description="Identyfikator pracownika socjalnego."),
            OpenApiParameter("case", str, description="Identyfikator sprawy."),
        ],
        responses=ContractOutput(many=True),
    )
)
class ContractListApi(CaseworkListApi):
    serializer = ContractOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[SocialContract]:
        query = validated(ContractQuery, request.query_params)
        return contract_list(
            status=query.get("status", ""), worker=query.get("worker"), case=query.get("case")
        ).filter(households_q(user, "case__household"))

    @extend_schema(
        operation_id="contract_create",
        request=ContractInput,
        responses={201: ContractOutput},
        description="Projekt kontraktu socjalnego z obecnym członkiem gospodarstwa sprawy. "
        "Tylko pracownik socjalny i kierownik.",
    )
    def post(self, request: Request) -> Response:
        require_capability(account(request), Capability.CONTRACT_MANAGE)
        data = validated(ContractInput, request.data)
        data["case"] = case_by_id(data["case"])
        data["person"] = person_by_id(data["person"], field="person")
        if data.get("worker"):
            data["worker"] = worker_by_id(data["worker"])
        contract = contract_create(user=account(request), **data)
        return Response(
            ContractOutput(contract_get(public_id=contract.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class ContractDetailApi(CaseworkApiView):
    @extend_schema(operation_id="contract_get", responses=ContractOutput)
    def get(self, request: Request, contract_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        contract = contract_get(public_id=contract_id)
        audit_reads([contract])
        return Response(ContractOutput(contract).data)


class ContractSignApi(CaseworkApiView):
    @extend_schema(
        operation_id="contract_sign",
        request=ContractSignInput,
        responses=ContractOutput,
        description="Podpisanie projektu: status „realizowany”, jeśli kontrakt już się zaczął, "
        "inaczej „podpisany”. Kontrakt w innym statusie niż projekt: 409.",
    )
    def post(self, request: Request, contract_id: str) -> Response:
        contract = contract_get(public_id=contract_id)
        data = validated(ContractSignInput, request.data)
        contract_sign(user=account(request), contract=contract, **data)
        return Response(ContractOutput(contract_get(public_id=contract_id)).data)


class ContractCompleteApi(CaseworkApiView):
    @extend_schema(
        operation_id="contract_complete",
        request=ContractCompleteInput,
        responses=ContractOutput,
        description="Zakończenie podpisanego kontraktu z oceną, czy cele osiągnięto.",
    )
    def post(self, request: Request, contract_id: str) -> Response:
        contract = contract_get(public_id=contract_id)
        data = validated(ContractCompleteInput, request.data)
        contract_complete(user=account(request), contract=contract, **data)
        return Response(ContractOutput(contract_get(public_id=contract_id)).data)


class ContractBreakApi(CaseworkApiView):
    @extend_schema(
        operation_id="contract_break",
        request=ContractBreakInput,
        responses=ContractOutput,
        description="Zerwanie lub niedotrzymanie podpisanego kontraktu (cele nieosiągnięte).",
    )
    def post(self, request: Request, contract_id: str) -> Response:
        contract = contract_get(public_id=contract_id)
        data = validated(ContractBreakInput, request.data)
        contract_break(user=account(request), contract=contract, **data)
        return Response(ContractOutput(contract_get(public_id=contract_id)).data)


class ContractReviewPlanApi(CaseworkApiView):
    @extend_schema(
        operation_id="contract_review_plan",
        request=ReviewPlanInput,
        responses={201: ReviewOutput},
        description="Termin oceny realizacji kontraktu (w okresie kontraktu).",
    )
    def post(self, request: Request, contract_id: str) -> Response:
        contract = contract_get(public_id=contract_id)
        data = validated(ReviewPlanInput, request.data)
        review = contract_review_plan(user=account(request), contract=contract, **data)
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class ContractReviewRecordApi(CaseworkApiView):
    @extend_schema(
        operation_id="contract_review_record",
        request=ReviewRecordInput,
        responses=ReviewOutput,
        description="Zapis przeprowadzonej oceny (data i wnioski); tylko kontrakt podpisany.",
    )
    def post(self, request: Request, contract_id: str, review_id: str) -> Response:
        contract = contract_get(public_id=contract_id)
        review = contract_review_get(contract=contract, public_id=review_id)
        data = validated(ReviewRecordInput, request.data)
        review = contract_review_record(user=account(request), review=review, **data)
        return Response(ReviewOutput(review).data)


# --- individual programmes ---------------------------------------------------------------------


class ProgrammeOutput(serializers.ModelSerializer[IndividualProgramme]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = CaseRef(read_only=True)
    person = PersonRef(read_only=True)
    worker = UserRef(read_only=True)

    class Meta:
        model = IndividualProgramme
        fields = [
            "id", "case", "person", "worker", "kind", "starts_on", "ends_on", "status", "goals",
            "created_at", "updated_at",
        ]  # fmt: skip


class ProgrammeInput(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    person = serializers.UUIDField(help_text="Obecny członek gospodarstwa domowego sprawy.")
    kind = serializers.ChoiceField(ProgrammeKind.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    goals = TextField(multiline=True, required=False, allow_blank=True)


class ProgrammeQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(ProgrammeStatus.choices, required=False)
    kind = serializers.ChoiceField(ProgrammeKind.choices, required=False)
    worker = serializers.UUIDField(required=False)
    case = serializers.UUIDField(required=False)


class ProgrammeEndInput(serializers.Serializer[Any]):
    ends_on = serializers.DateField(help_text="Faktyczna data zakończenia.")


@extend_schema_view(
    get=extend_schema(
        operation_id="programme_list",
        parameters=[
            OpenApiParameter("status", str, enum=ProgrammeStatus.values),
            OpenApiParameter("kind", str, enum=ProgrammeKind.values),
            OpenApiParameter("worker", str, description="Identyfikator pracownika."),
            OpenApiParameter("case", str, description="Identyfikator sprawy."),
        ],
        responses=ProgrammeOutput(many=True),
    )
)
class ProgrammeListApi(CaseworkListApi):
    serializer = ProgrammeOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[IndividualProgramme]:
        query = validated(ProgrammeQuery, request.query_params)
        return programme_list(
            status=query.get("status", ""),
            kind=query.get("kind", ""),
            worker=query.get("worker"),
            case=query.get("case"),
        ).filter(households_q(user, "case__household"))

    @extend_schema(
        operation_id="programme_create",
        request=ProgrammeInput,
        responses={201: ProgrammeOutput},
        description="Indywidualny program (wychodzenia z bezdomności, usamodzielnienia, "
        "integracji cudzoziemca) prowadzony przez zalogowanego pracownika.",
    )
    def post(self, request: Request) -> Response:
        require_capability(account(request), Capability.CONTRACT_MANAGE)
        data = validated(ProgrammeInput, request.data)
        data["case"] = case_by_id(data["case"])
        data["person"] = person_by_id(data["person"], field="person")
        programme = programme_create(user=account(request), **data)
        return Response(
            ProgrammeOutput(programme_get(public_id=programme.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class ProgrammeDetailApi(CaseworkApiView):
    @extend_schema(operation_id="programme_get", responses=ProgrammeOutput)
    def get(self, request: Request, programme_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        programme = programme_get(public_id=programme_id)
        audit_reads([programme])
        return Response(ProgrammeOutput(programme).data)


class ProgrammeCompleteApi(CaseworkApiView):
    @extend_schema(
        operation_id="programme_complete", request=ProgrammeEndInput, responses=ProgrammeOutput
    )
    def post(self, request: Request, programme_id: str) -> Response:
        programme = programme_get(public_id=programme_id)
        data = validated(ProgrammeEndInput, request.data)
        programme_complete(user=account(request), programme=programme, **data)
        return Response(ProgrammeOutput(programme_get(public_id=programme_id)).data)


class ProgrammeDiscontinueApi(CaseworkApiView):
    @extend_schema(
        operation_id="programme_discontinue", request=ProgrammeEndInput, responses=ProgrammeOutput
    )
    def post(self, request: Request, programme_id: str) -> Response:
        programme = programme_get(public_id=programme_id)
        data = validated(ProgrammeEndInput, request.data)
        programme_discontinue(user=account(request), programme=programme, **data)
        return Response(ProgrammeOutput(programme_get(public_id=programme_id)).data)
