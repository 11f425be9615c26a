"""Deadlines due or overdue (in working days) and workers' caseloads against the norm."""

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
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkListApi, PageResponse, validated
from casework.api.refs import UserRef
from casework.calendar_days import working_days_between
from casework.models import Case
from casework.selectors.cases import worker_by_id
from casework.selectors.deadlines import (
    DEFAULT_HORIZON,
    KIND_LABELS,
    Caseload,
    DeadlineKind,
    Scope,
    caseload_get,
    deadline_list,
)
from tenants.accounts.models import User


class DeadlineWorkerOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()


class DeadlineOutput(serializers.Serializer[Any]):
    """One row of the deadline UNION (its ``d_*`` columns)."""

    kind = serializers.ChoiceField(
        [(kind.value, KIND_LABELS[kind]) for kind in DeadlineKind], source="d_kind"
    )
    kind_label = serializers.SerializerMethodField()
    due_on = serializers.DateField(source="d_due")
    working_days_left = serializers.SerializerMethodField(
        help_text="Dni robocze od dziś do terminu; ujemne – termin minął."
    )
    case_number = serializers.CharField(source="d_case")
    household = serializers.UUIDField(source="d_household")
    object_id = serializers.UUIDField(
        source="d_object", help_text="Wywiad, wniosek, odwołanie albo ocena kontraktu."
    )
    worker = serializers.SerializerMethodField()

    def get_kind_label(self, row: dict[str, Any]) -> str:
        return KIND_LABELS[row["d_kind"]]

    def get_working_days_left(self, row: dict[str, Any]) -> int:
        return working_days_between(timezone.localdate(), row["d_due"])

    @extend_schema_field(DeadlineWorkerOutput(allow_null=True))
    def get_worker(self, row: dict[str, Any]) -> dict[str, Any] | None:
        if row["d_worker"] is None:
            return None
        name = f"{row['d_worker_first_name']} {row['d_worker_last_name']}".strip()
        return {
            "id": str(row["d_worker"]),
            "username": row["d_worker_username"],
            "name": name or row["d_worker_username"],
        }


class DeadlineQuery(serializers.Serializer[Any]):
    scope = serializers.CharField(required=False, default=Scope.MINE.value)
    days = serializers.IntegerField(required=False, default=DEFAULT_HORIZON)


@extend_schema_view(
    get=extend_schema(
        operation_id="deadline_list",
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=[scope.value for scope in Scope],
                description="mine – moje; team – sprawy przypisane do moich zespołów; all – cały "
                "ośrodek (tylko kierownik). Domyślnie mine.",
            ),
            OpenApiParameter(
                "days", int, description="Horyzont w dniach roboczych (0–60), domyślnie 5."
            ),
        ],
        responses=DeadlineOutput(many=True),
        description="Terminy zaległe i przypadające w horyzoncie, od najwcześniejszego: "
        "wywiady do przeprowadzenia, wnioski do załatwienia (termin KPA lub nowy termin z "
        "zawiadomienia o zwłoce), odwołania do przekazania SKO (7 dni od wniesienia, art. 133 "
        "KPA; termin kończący się w sobotę lub dzień wolny – w następnym dniu roboczym), oceny "
        "kontraktów socjalnych.",
    )
)
class DeadlineListApi(CaseworkListApi):
    serializer = DeadlineOutput
    audited = False  # rows of a due date and a case number, not the case file's records

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Any]:
        query = validated(DeadlineQuery, request.query_params)
        return deadline_list(
            user=user, scope=query["scope"], horizon=query["days"], today=timezone.localdate()
        )


class CaseloadCaseOutput(serializers.ModelSerializer[Case]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    household = serializers.UUIDField(source="household.public_id", read_only=True)
    functions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "household", "opened_on", "functions"]

    def get_functions(self, case: Case) -> list[str]:
        return [assignment.function for assignment in case.worker_assignments]  # type: ignore[attr-defined]  # Prefetch(to_attr=)


class CaseloadOutput(serializers.Serializer[Any]):
    worker = UserRef()
    norm = serializers.IntegerField(help_text="Art. 110 u.p.s.: do 50 gospodarstw na pracownika.")
    within_norm = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Otwarte sprawy (gospodarstwa) pracownika.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseloadCaseOutput(many=True)


class CaseloadQuery(serializers.Serializer[Any]):
    worker = serializers.UUIDField(required=False)


@extend_schema_view(
    get=extend_schema(
        operation_id="caseload_get",
        parameters=[
            OpenApiParameter(
                "worker", str, description="Identyfikator pracownika; domyślnie zalogowany."
            )
        ],
        responses=CaseloadOutput,
        description="Otwarte sprawy przypisane pracownikowi wobec normy 50 gospodarstw. "
        "Kierownik widzi każdego pracownika, pozostali tylko siebie.",
    )
)
class CaseloadApi(CaseworkListApi):
    """A page of the worker's cases, wrapped with the worker and the norm."""

    serializer = CaseloadCaseOutput
    caseload: Caseload

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Case]:
        query = validated(CaseloadQuery, request.query_params)
        worker = worker_by_id(query["worker"]) if query.get("worker") else user
        self.caseload = caseload_get(user=user, worker=worker)
        return self.caseload.cases

    def respond(self, page: PageResponse) -> Response:
        count = page.data["count"]
        page.data = {
            "worker": UserRef(self.caseload.worker).data,
            "norm": self.caseload.norm,
            "within_norm": count <= self.caseload.norm,
            **page.data,
        }
        return page
