"""Pieces every casework API module uses: how other records show a staff member, a person, a
case and a team, and the ``from``/``to`` period in query strings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class UserRef(serializers.Serializer[Any]):
    """A staff member as other records show them."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(source="get_full_name", read_only=True)


class PersonRef(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)


class CaseRef(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.CharField(read_only=True)
    household = serializers.UUIDField(source="household.public_id", read_only=True)


class TeamRef(serializers.Serializer[Any]):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class PeriodQuery(serializers.Serializer[Any]):
    """Query parameters ``from`` and ``to`` (dates, both optional, ``to`` not before ``from``).
    ``from`` is a Python keyword, hence the fields are declared in ``get_fields``."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"to": "Koniec okresu nie może być przed jego początkiem."}
            )
        return attrs


PERIOD_PARAMETERS = [
    OpenApiParameter("from", dt.date, description="Od dnia (RRRR-MM-DD)."),
    OpenApiParameter("to", dt.date, description="Do dnia włącznie (RRRR-MM-DD)."),
]
