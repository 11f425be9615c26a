"""Finding a record by the public id a client sent.

An id in the URL that matches nothing is a 404; an id in the request data that matches nothing is
a 400 on the field that carried it, so that the client knows which value to correct.
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.db.models import Model, QuerySet

from opsplatform.errors import NotFound, ValidationFailed

M = TypeVar("M", bound=Model)
PublicId = UUID | str


def get_or_404(queryset: QuerySet[M], public_id: PublicId, message: str) -> M:
    found = queryset.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(message)
    return found


def get_or_field_error(queryset: QuerySet[M], public_id: PublicId, field: str, message: str) -> M:
    found = queryset.filter(public_id=public_id).first()
    if found is None:
        raise ValidationFailed(fields={field: [message]}, code="unknown_reference")
    return found
