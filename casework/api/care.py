"""Care services: service plans, delivered hours, planned against delivered."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView, CaseworkListApi, validated
from casework.api.refs import (
    PERIOD_PARAMETERS,
    CaseRef,
    PeriodQuery,
    PersonRef,
    UserRef,
)
from casework.audit import audit_reads
from casework.models import ServiceDelivery, ServicePlan
from casework.models.care import FeeRule, ProviderKind, ServiceType
from casework.permissions import Capability, require_capability
from casework.selectors.care import (
    service_delivery_list,
    service_plan_balance,
    service_plan_get,
    service_plan_list,
)
from casework.selectors.cases import case_by_id
from casework.selectors.people import person_by_id
from casework.services.care import service_delivery_record, service_plan_create
from casework.visibility import households_q
from opsplatform.api.authentication import account
from opsplatform.api.fields import TextField
from tenants.accounts.models import User


class ServicePlanOutput(serializers.ModelSerializer[ServicePlan]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    case = CaseRef(read_only=True)
    recipient = PersonRef(read_only=True)
    coordinator = UserRef(read_only=True)
    delivered_hours_total = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        read_only=True,
        help_text="Godziny zrealizowane od początku planu.",
    )

    class Meta:
        model = ServicePlan
        fields = [
            "id", "case", "recipient", "service_type", "provider_kind", "provider_name",
            "hours_per_week", "starts_on", "ends_on", "hourly_cost", "fee_rule", "fee_percent",
            "coordinator", "delivered_hours_total", "created_at", "updated_at",
        ]  # fmt: skip


class PlanBalanceOutput(serializers.Serializer[Any]):
    date_from = serializers.DateField(help_text="Początek okresu z zapytania.")
    date_to = serializers.DateField(help_text="Koniec okresu z zapytania.")
    covered_from = serializers.DateField(
        allow_null=True, help_text="Część okresu objęta planem: od (brak – plan poza okresem)."
    )
    covered_to = serializers.DateField(allow_null=True)
    working_days = serializers.IntegerField()
    planned_hours = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="Godziny tygodniowo × dni robocze w objętej części okresu / 5.",
    )
    delivered_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    delivered_share = serializers.DecimalField(
        max_digits=8, decimal_places=4, allow_null=True, help_text="Zrealizowane / planowane."
    )


class ServicePlanDetailOutput(ServicePlanOutput):
    balance = serializers.SerializerMethodField()

    class Meta(ServicePlanOutput.Meta):
        fields = [*ServicePlanOutput.Meta.fields, "balance"]

    @extend_schema_field(PlanBalanceOutput)
    def get_balance(self, plan: ServicePlan) -> dict[str, Any]:
        return dict(PlanBalanceOutput(self.context["balance"]).data)


class ServicePlanInput(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    recipient = serializers.UUIDField(help_text="Obecny członek gospodarstwa domowego sprawy.")
    service_type = serializers.ChoiceField(ServiceType.choices)
    provider_kind = serializers.ChoiceField(ProviderKind.choices)
    provider_name = TextField(max_length=200, required=False, allow_blank=True)
    hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=2)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    hourly_cost = serializers.DecimalField(max_digits=8, decimal_places=2)
    fee_rule = serializers.ChoiceField(FeeRule.choices)
    fee_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Wymagany (0–100) przy odpłatności procentowej.",
    )


class ServicePlanQuery(serializers.Serializer[Any]):
    case = serializers.UUIDField(required=False)
    recipient = serializers.UUIDField(required=False)
    coordinator = serializers.UUIDField(required=False)
    service_type = serializers.ChoiceField(ServiceType.choices, required=False)
    active_on = serializers.DateField(required=False)


class DeliveryOutput(serializers.ModelSerializer[ServiceDelivery]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    recorded_by = UserRef(read_only=True)

    class Meta:
        model = ServiceDelivery
        fields = ["id", "day", "hours", "carer", "recorded_by", "created_at"]


class DeliveryInput(serializers.Serializer[Any]):
    day = serializers.DateField()
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Więcej niż 0, do 24."
    )
    carer = TextField(max_length=200, required=False, allow_blank=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="service_plan_list",
        parameters=[
            OpenApiParameter("case", str, description="Identyfikator sprawy."),
            OpenApiParameter("recipient", str, description="Identyfikator osoby."),
            OpenApiParameter("coordinator", str, description="Identyfikator koordynatora."),
            OpenApiParameter("service_type", str, enum=ServiceType.values),
            OpenApiParameter("active_on", str, description="Plany obowiązujące w dniu."),
        ],
        responses=ServicePlanOutput(many=True),
    )
)
class ServicePlanListApi(CaseworkListApi):
    serializer = ServicePlanOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[ServicePlan]:
        query = validated(ServicePlanQuery, request.query_params)
        return service_plan_list(
            case=query.get("case"),
            recipient=query.get("recipient"),
            coordinator=query.get("coordinator"),
            service_type=query.get("service_type", ""),
            active_on=query.get("active_on"),
        ).filter(households_q(user, "case__household"))

    @extend_schema(
        operation_id="service_plan_create",
        request=ServicePlanInput,
        responses={201: ServicePlanOutput},
        description="Plan usług opiekuńczych dla członka gospodarstwa sprawy. Tylko koordynator "
        "usług i kierownik.",
    )
    def post(self, request: Request) -> Response:
        require_capability(account(request), Capability.SERVICE_PLAN_MANAGE)
        data = validated(ServicePlanInput, request.data)
        data["case"] = case_by_id(data["case"])
        data["recipient"] = person_by_id(data["recipient"], field="recipient")
        plan = service_plan_create(user=account(request), **data)
        return Response(
            ServicePlanOutput(service_plan_get(public_id=plan.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class ServicePlanDetailApi(CaseworkApiView):
    @extend_schema(
        operation_id="service_plan_get",
        parameters=PERIOD_PARAMETERS,
        responses=ServicePlanDetailOutput,
        description="Plan z godzinami planowanymi i zrealizowanymi w okresie (domyślnie od "
        "początku planu do jego końca albo do dziś).",
    )
    def get(self, request: Request, plan_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        plan = service_plan_get(public_id=plan_id)
        query = validated(PeriodQuery, request.query_params)
        date_from = query.get("from") or plan.starts_on
        date_to = query.get("to") or plan.ends_on or max(timezone.localdate(), date_from)
        if date_to < date_from:
            date_from = date_to
        balance = service_plan_balance(plan=plan, date_from=date_from, date_to=date_to)
        audit_reads([plan])
        return Response(ServicePlanDetailOutput(plan, context={"balance": balance}).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="service_delivery_list",
        parameters=PERIOD_PARAMETERS,
        responses=DeliveryOutput(many=True),
    )
)
class ServiceDeliveryListApi(CaseworkListApi):
    serializer = DeliveryOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[ServiceDelivery]:
        plan = service_plan_get(public_id=url["plan_id"])
        query = validated(PeriodQuery, request.query_params)
        return service_delivery_list(
            plan=plan, date_from=query.get("from"), date_to=query.get("to")
        )

    @extend_schema(
        operation_id="service_delivery_record",
        request=DeliveryInput,
        responses={201: DeliveryOutput},
        description="Godziny zrealizowane w jednym dniu okresu planu; drugi wpis na ten sam "
        "dzień: 409.",
    )
    def post(self, request: Request, plan_id: str) -> Response:
        plan = service_plan_get(public_id=plan_id)
        data = validated(DeliveryInput, request.data)
        delivery = service_delivery_record(user=account(request), plan=plan, **data)
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_201_CREATED)
