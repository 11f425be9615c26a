"""People and households: search, registration, rectification, members, incomes."""

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
from casework.models import BreakGlassGrant, Household, HouseholdMember, IncomeRecord, Person
from casework.models.people import IdentityDocument, Relation, Sex
from casework.permissions import Capability, require_capability
from casework.selectors.people import (
    household_get,
    household_income_assessment,
    household_list,
    member_get,
    person_get,
    person_search_for,
)
from casework.services.people import (
    household_create,
    household_member_add,
    household_member_remove,
    income_record,
    person_create,
    person_update,
)
from casework.visibility import (
    break_glass_grant,
    household_for_break_glass,
    household_identity_q,
    require_household_access,
    require_person_access,
)
from opsplatform.api.authentication import account
from opsplatform.api.fields import StringField, TextField
from tenants.accounts.models import User


class PersonOutput(serializers.ModelSerializer[Person]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id", "first_name", "last_name", "pesel", "document_type", "document_number",
            "date_of_birth", "sex", "citizenship", "street", "postal_code", "city", "phone",
            "created_at", "updated_at",
        ]  # fmt: skip


class PersonInput(serializers.Serializer[Any]):
    first_name = TextField(max_length=100)
    last_name = TextField(max_length=100)
    pesel = StringField(max_length=11, required=False, allow_blank=True, allow_null=True)
    document_type = serializers.ChoiceField(
        IdentityDocument.choices, required=False, allow_blank=True
    )
    document_number = StringField(max_length=40, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(Sex.choices, required=False, allow_blank=True)
    citizenship = TextField(max_length=60, required=False)
    street = TextField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=6, required=False, allow_blank=True)
    city = TextField(max_length=100, required=False, allow_blank=True)
    phone = StringField(max_length=30, required=False, allow_blank=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="person_list",
        parameters=[OpenApiParameter("q", str, description="Imię, nazwisko, PESEL lub adres.")],
        responses=PersonOutput(many=True),
    )
)
class PersonListApi(CaseworkListApi):
    serializer = PersonOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Person]:
        return person_search_for(user=user, query=request.query_params.get("q", ""))

    @extend_schema(operation_id="person_create", request=PersonInput, responses={201: PersonOutput})
    def post(self, request: Request) -> Response:
        data = validated(PersonInput, request.data)
        person = person_create(user=account(request), **data)
        return Response(PersonOutput(person).data, status=status.HTTP_201_CREATED)


class PersonDetailApi(CaseworkApiView):
    @extend_schema(operation_id="person_get", responses=PersonOutput)
    def get(self, request: Request, person_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        person = person_get(public_id=person_id)
        require_person_access(account(request), person)
        audit_reads([person])
        return Response(PersonOutput(person).data)

    @extend_schema(
        operation_id="person_update", request=PersonInput(partial=True), responses=PersonOutput
    )
    def patch(self, request: Request, person_id: str) -> Response:
        person = person_get(public_id=person_id)
        data = validated(PersonInput, request.data, partial=True)
        return Response(
            PersonOutput(person_update(user=account(request), person=person, **data)).data
        )


class MemberOutput(serializers.ModelSerializer[HouseholdMember]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = PersonOutput(read_only=True)

    class Meta:
        model = HouseholdMember
        fields = ["id", "person", "relation", "joined_on", "left_on"]


class HouseholdOutput(serializers.ModelSerializer[Household]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    members = MemberOutput(source="current_members", many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "street", "postal_code", "city", "members", "created_at"]


class HouseholdInput(serializers.Serializer[Any]):
    head = serializers.UUIDField(help_text="Osoba prowadząca gospodarstwo.")
    joined_on = serializers.DateField(required=False)
    street = TextField(max_length=200, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=6, required=False, allow_blank=True)
    city = TextField(max_length=100, required=False, allow_blank=True)


@extend_schema_view(
    get=extend_schema(
        operation_id="household_list",
        parameters=[OpenApiParameter("q", str, description="Nazwisko członka, PESEL lub adres.")],
        responses=HouseholdOutput(many=True),
    )
)
class HouseholdListApi(CaseworkListApi):
    serializer = HouseholdOutput

    def rows(self, request: Request, user: User, **url: Any) -> QuerySet[Household]:
        return household_list(query=request.query_params.get("q", "")).filter(
            household_identity_q(user)
        )

    @extend_schema(
        operation_id="household_create", request=HouseholdInput, responses={201: HouseholdOutput}
    )
    def post(self, request: Request) -> Response:
        data = validated(HouseholdInput, request.data)
        head = person_get(public_id=data.pop("head"))
        household = household_create(user=account(request), head=head, **data)
        return Response(
            HouseholdOutput(household_get(public_id=household.public_id)).data,
            status=status.HTTP_201_CREATED,
        )


class HouseholdDetailApi(CaseworkApiView):
    @extend_schema(operation_id="household_get", responses=HouseholdOutput)
    def get(self, request: Request, household_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        household = household_get(public_id=household_id)
        audit_reads([household])
        return Response(HouseholdOutput(household).data)


class MemberInput(serializers.Serializer[Any]):
    person = serializers.UUIDField()
    relation = serializers.ChoiceField(Relation.choices)
    joined_on = serializers.DateField(required=False)


class MemberRemoveInput(serializers.Serializer[Any]):
    left_on = serializers.DateField()


class HouseholdMemberAddApi(CaseworkApiView):
    @extend_schema(
        operation_id="household_member_add", request=MemberInput, responses={201: MemberOutput}
    )
    def post(self, request: Request, household_id: str) -> Response:
        household = household_get(public_id=household_id)
        data = validated(MemberInput, request.data)
        member = household_member_add(
            user=account(request),
            household=household,
            person=person_get(public_id=data["person"]),
            relation=data["relation"],
            joined_on=data.get("joined_on"),
        )
        return Response(MemberOutput(member).data, status=status.HTTP_201_CREATED)


class HouseholdMemberRemoveApi(CaseworkApiView):
    @extend_schema(
        operation_id="household_member_remove", request=MemberRemoveInput, responses=MemberOutput
    )
    def post(self, request: Request, household_id: str, member_id: str) -> Response:
        member = member_get(household=household_get(public_id=household_id), public_id=member_id)
        data = validated(MemberRemoveInput, request.data)
        return Response(
            MemberOutput(household_member_remove(user=account(request), member=member, **data)).data
        )


class IncomeInput(serializers.Serializer[Any]):
    member = serializers.UUIDField()
    as_of = serializers.DateField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    # A field named like DRF's Field.source: fine at run time (the metaclass moves it away).
    source = TextField(max_length=100, required=False, allow_blank=True)  # type: ignore[assignment]


class IncomeOutput(serializers.ModelSerializer[IncomeRecord]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    member = serializers.UUIDField(source="member.public_id", read_only=True)

    class Meta:
        model = IncomeRecord
        fields = ["id", "member", "as_of", "amount", "source"]


class AssessmentOutput(serializers.Serializer[Any]):
    on = serializers.DateField()
    members = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    per_person = serializers.DecimalField(max_digits=12, decimal_places=2)
    criterion = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    criterion_valid_from = serializers.DateField(allow_null=True)
    single_person = serializers.BooleanField()
    within_criterion = serializers.BooleanField(allow_null=True)


class HouseholdIncomeApi(CaseworkApiView):
    @extend_schema(
        operation_id="household_income_record", request=IncomeInput, responses={201: IncomeOutput}
    )
    def post(self, request: Request, household_id: str) -> Response:
        household = household_get(public_id=household_id)
        data = validated(IncomeInput, request.data)
        member = member_get(household=household, public_id=data.pop("member"))
        record = income_record(user=account(request), member=member, **data)
        return Response(IncomeOutput(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="household_income_assessment",
        parameters=[OpenApiParameter("on", str, description="Dzień (RRRR-MM-DD), domyślnie dziś.")],
        responses=AssessmentOutput,
    )
    def get(self, request: Request, household_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        household = household_get(public_id=household_id)
        require_household_access(account(request), household)  # incomes are case data
        on = query_param(request, "on", serializers.DateField(), timezone.localdate().isoformat())
        audit_reads([household])
        return Response(
            AssessmentOutput(household_income_assessment(household=household, on=on)).data
        )


# --- break-glass ---------------------------------------------------------------------------------


class BreakGlassInput(serializers.Serializer[Any]):
    reason = TextField(
        max_length=300,
        multiline=True,
        allow_blank=True,
        help_text="Dlaczego potrzebny jest dostęp (min. 10 znaków).",
    )


class BreakGlassOutput(serializers.ModelSerializer[BreakGlassGrant]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    household = serializers.UUIDField(source="household.public_id", read_only=True)

    class Meta:
        model = BreakGlassGrant
        fields = ["id", "household", "reason", "granted_at", "expires_at"]


class HouseholdBreakGlassApi(CaseworkApiView):
    # The request is about a household outside the scope: the URL is not checked against it.
    scope_exempt = True

    @extend_schema(
        operation_id="household_break_glass",
        request=BreakGlassInput,
        responses={201: BreakGlassOutput},
        description="Dostęp w trybie nadzwyczajnym do gospodarstwa spoza zakresu pracownika, z "
        "powodem; ważny 8 godzin, odnotowany w dzienniku dostępu (każdy odczyt i zapis z powodem).",
    )
    def post(self, request: Request, household_id: str) -> Response:
        require_capability(account(request), Capability.READ)
        household = household_for_break_glass(household_id)
        data = validated(BreakGlassInput, request.data)
        grant = break_glass_grant(user=account(request), household=household, reason=data["reason"])
        return Response(BreakGlassOutput(grant).data, status=status.HTTP_201_CREATED)
