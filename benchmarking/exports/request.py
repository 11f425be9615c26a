"""Asking for an export: the analyst's choices checked field by field, the job recorded and sent
to a worker; the requester's own jobs listed and fetched. Building is ``build``'s."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from benchmarking.disclosure import scope_refusal
from benchmarking.exports.budget import budget_summary
from benchmarking.exports.parameters import (
    DP_TABLES,
    NATIONAL,
    TABLES,
    ExportParameters,
    parse_period,
    scope_queryset,
)
from benchmarking.exports.worker import export_build_task
from benchmarking.models import (
    ExportJob,
    TableSnapshot,
)
from benchmarking.services import TABLES_VERSION, reporting_period_bounds
from benchmarking.writers import FORMATS
from opsplatform.errors import Conflict, NotFound, ValidationFailed
from tenants.accounts.models import User
from tenants.teryt import Voivodeship


def export_parameters(data: Mapping[str, Any], *, today: dt.date) -> ExportParameters:
    """Check what an analyst asked for; every problem is reported against its field."""
    errors: dict[str, list[str]] = {}
    year = half = 0
    try:
        year, half = parse_period(str(data.get("period", "")))
        first, _last = reporting_period_bounds(year, half)
        if year < 2016:
            errors["period"] = [_("Dane na platformie zaczynają się od 2016 roku.")]
        elif first > today:
            errors["period"] = [_("Ten okres jeszcze się nie zaczął.")]
    except ValidationFailed as error:
        errors |= error.fields
    scope = str(data.get("scope") or NATIONAL)
    if scope != NATIONAL and scope not in dict(Voivodeship.choices):
        errors["scope"] = [_("Zakres to PL (cały kraj) albo dwucyfrowy kod województwa, np. 12.")]
    elif not (centre_count := scope_queryset(scope).count()):
        errors["scope"] = [_("W tym województwie nie ma jeszcze ośrodków na platformie.")]
    elif refusal := scope_refusal(centre_count):
        errors["scope"] = [refusal]
    raw_tables = data.get("tables") or list(TABLES)
    if not isinstance(raw_tables, list) or not raw_tables:
        errors["tables"] = [_("Wybierz co najmniej jedną tabelę.")]
        raw_tables = []
    unknown = [t for t in raw_tables if t not in TABLES]
    if unknown:
        errors["tables"] = [
            _("Nieznane tabele: %(unknown)s. Dostępne: %(known)s.")
            % {"unknown": ", ".join(map(str, unknown)), "known": ", ".join(TABLES)}
        ]
    fmt = str(data.get("format") or "xlsx")
    if fmt not in FORMATS:
        errors["format"] = [
            _("Format pliku to jeden z: %(formats)s.") % {"formats": ", ".join(FORMATS)}
        ]
    dp_rho: float | None = None
    raw_rho = data.get("dp_rho")
    if raw_rho not in (None, ""):
        try:
            dp_rho = float(str(raw_rho))
            if not math.isfinite(dp_rho) or dp_rho <= 0:
                raise ValueError
        except ValueError:
            errors["dp_rho"] = [_("Budżet prywatności ρ to liczba większa od zera, np. 0.1.")]
    if scope != NATIONAL and "areas" in raw_tables:
        if raw_tables == ["areas"]:
            errors["tables"] = [_("Tabela według województw jest tylko w zakresie krajowym (PL).")]
        raw_tables = [t for t in raw_tables if t != "areas"]
    tables = tuple(t for t in TABLES if t in raw_tables)
    if dp_rho is not None:
        tables = tuple(t for t in tables if t in DP_TABLES)
        if not tables and "tables" not in errors:
            errors["tables"] = [
                _("Z szumem różnicowym można wydać tylko tabele gospodarstw, osób i województw.")
            ]
        if year and "dp_rho" not in errors:
            remaining = budget_summary(year)["rho_remaining"]
            if dp_rho > remaining:
                errors["dp_rho"] = [
                    _(
                        "Przekroczony roczny budżet prywatności za %(year)s: pozostało "
                        "ρ = %(remaining)s, a wydanie wymaga ρ = %(rho)s."
                    )
                    % {"year": year, "remaining": f"{remaining:g}", "rho": f"{dp_rho:g}"}
                ]
    if year and "period" not in errors and "scope" not in errors and "dp_rho" not in errors:
        clash = _exact_dp_clash(year, half, scope, dp=dp_rho is not None)
        if clash:
            errors["dp_rho"] = [clash]
    if errors:
        raise ValidationFailed(fields=errors)
    if year and not errors:
        missing = _missing_centres(year, half, scope)
        if missing:
            raise Conflict(
                _(
                    "Tabele za ten okres nie są jeszcze policzone dla %(count)s ośrodków w "
                    "zakresie. Uruchom przeliczenie wskaźników i spróbuj ponownie."
                )
                % {"count": len(missing)},
                code="tables_not_computed",
            )
    return ExportParameters(year, half, scope, tables, fmt, dp_rho)


def _exact_dp_clash(year: int, half: int, scope: str, *, dp: bool) -> str:
    """Exact and noisy releases of the same period and scope are never both offered: the exact
    one would show what the noise hides, and the noisy one would be differenced against it."""
    label = f"{year}-H{half}" if half else str(year)
    jobs = ExportJob.objects.filter(parameters__period=label, parameters__scope=scope).exclude(
        status=ExportJob.Status.FAILED
    )
    exact = jobs.filter(parameters__dp_rho=None)
    if dp and exact.exists():
        return (
            f"Za {label} w tym zakresie wydano już zestawienie dokładne, więc wydania z szumem "
            "różnicowym nie oferujemy (dałoby się je porównać z dokładnym)."
        )
    if not dp and jobs.exclude(pk__in=exact.values("pk")).exists():
        return (
            f"Za {label} w tym zakresie wydano już zestawienie z szumem różnicowym, więc "
            "zestawienia dokładnego nie wydajemy (pozwoliłoby odszumić tamto wydanie)."
        )
    return ""


def _missing_centres(year: int, half: int, scope: str) -> list[str]:
    """The slugs of the scope's centres without tables of the period: one statement, its
    parameters and rows not growing with the centres that have them."""
    present = TableSnapshot.objects.filter(version=TABLES_VERSION, year=year, half=half)
    return list(
        scope_queryset(scope)
        .exclude(pk__in=present.values("centre_id"))
        .values_list("slug", flat=True)
    )


def export_request(*, user: User, data: Mapping[str, Any]) -> ExportJob:
    """Record an export job and send it to a worker."""
    parameters = export_parameters(data, today=timezone.localdate())
    job = ExportJob.objects.create(requested_by=user, parameters=parameters.as_json())
    transaction.on_commit(lambda: export_build_task.delay(job.pk))
    return job


def export_list_for_requester(*, user: User, limit: int = 50) -> list[ExportJob]:
    """The requester's own exports, newest first, without their files (API list and page)."""
    jobs = ExportJob.objects.filter(requested_by=user).defer("content").order_by("-created_at")
    return list(jobs[:limit])


def export_for_requester(*, user: User, public_id: str) -> ExportJob:
    """The requester's own export; anyone else's is 'not found', so ids reveal nothing."""
    job = ExportJob.objects.filter(public_id=public_id, requested_by=user).first()
    if job is None:
        raise NotFound(_("Nie ma takiego eksportu wśród Twoich eksportów."), code="unknown_export")
    return job


def export_json(job: ExportJob) -> dict[str, Any]:
    return {
        "id": str(job.public_id),
        "parameters": job.parameters,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "filename": job.filename or None,
        "size": job.size,
        "sha256": job.sha256 or None,
        "provenance": job.provenance,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
