"""Register numbers (znak sprawy, numer decyzji): ``<CENTRE>/<kind…>/<year>/<sequence>``."""

from __future__ import annotations

from django.db.models import Model

from opsplatform.schemas import current_schema


def next_number(model: type[Model], *parts: str | int) -> str:
    """The next number after the highest one with the same stem, e.g. ``KRA/D/2026/00042``.

    The stem starts with the centre's schema, shortened. Locks the rows it reads, so two numbers
    handed out in concurrent transactions wait for each other instead of colliding.
    """
    stem = "/".join([current_schema()[:3].upper(), *(str(part) for part in parts)]) + "/"
    last = (
        model._default_manager.select_for_update()
        .filter(number__startswith=stem)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(str(last).rsplit("/", 1)[1]) + 1 if last else 1
    return f"{stem}{sequence:05d}"
