"""The access log of a person's data, from the audit trail."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from casework.api.base import CaseworkApiView, paginate, validated
from casework.audit import audit_reads
from casework.models import AuditEntry
from casework.models.audit import AuditAction
from casework.permissions import Capability, require_capability
from casework.selectors.audit import person_access_log
from casework.selectors.people import person_get
from opsplatform.api.authentication import account
from tenants.accounts.roles import Role


class AccessLogOutput(serializers.ModelSerializer[AuditEntry]):
    actor = serializers.CharField(source="actor_username", read_only=True)
    role = serializers.CharField(source="actor_role", read_only=True)
    role_label = serializers.SerializerMethodField()
    object_type = serializers.CharField(read_only=True, help_text="Np. casework.person.")

    class Meta:
        model = AuditEntry
        fields = [
            "seq", "at", "actor", "role", "role_label", "action", "object_type", "object_id",
            "person_id", "household_id", "ip", "break_glass_reason",
        ]  # fmt: skip

    def get_role_label(self, entry: AuditEntry) -> str:
        if entry.actor_role not in Role.values:
            return entry.actor_role  # "system"
        with translation.override("pl"):  # the API answers in Polish whatever the language
            return str(Role(entry.actor_role).label)


class AccessLogQuery(serializers.Serializer[Any]):
    action = serializers.ChoiceField(AuditAction.choices, required=False)


class PersonAccessLogApi(CaseworkApiView):
    @extend_schema(
        operation_id="person_access_log",
        parameters=[OpenApiParameter("action", str, enum=AuditAction.values)],
        responses=AccessLogOutput(many=True),
        description="Kto i kiedy miał dostęp do danych osoby (odczyty i zmiany jej danych oraz "
        "danych gospodarstw, do których należy lub należała), od najnowszych. Tylko kierownik i "
        "audytor; przeglądanie dziennika też zostaje w nim zapisane.",
    )
    def get(self, request: Request, person_id: str) -> Response:
        require_capability(account(request), Capability.AUDIT_READ)
        person = person_get(public_id=person_id)
        query = validated(AccessLogQuery, request.query_params)
        entries = person_access_log(
            user=account(request), person=person, action=query.get("action", "")
        )
        response = paginate(self, request, entries, AccessLogOutput)
        audit_reads([person])
        return response
