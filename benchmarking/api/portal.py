"""The benchmarking API on the portal host: regional coordinators (named centres of their own
voivodeships, national cohort figures) and ministry analysts (aggregates, exports, the privacy
budget)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from benchmarking.answers import centre_scope, family_of, scope_answer, scope_answers
from benchmarking.api.base import (
    BenchmarkApiView,
    IsPortalUser,
    account,
    require_analyst,
    require_coordinator,
    with_disclosure,
)
from benchmarking.api.centre import FROM, METRIC, SKIP, TO, VERSION, WINDOW
from benchmarking.centre_answers import before_after_answer, cohort_answer, series_answer
from benchmarking.cohorts import COHORTS_BY_CODE
from benchmarking.comparisons import definition_json, last_complete_month
from benchmarking.definitions import DEFINITIONS, current_definitions
from benchmarking.disclosure import Audience
from benchmarking.exports.budget import budget_summary
from benchmarking.exports.parameters import NATIONAL, TABLES, scope_centres
from benchmarking.exports.request import (
    export_for_requester,
    export_json,
    export_list_for_requester,
    export_request,
)
from benchmarking.models import ExportJob, PrivacyLedgerEntry, SnapshotRun
from benchmarking.params import int_param, metric_param, month_param, window_params
from benchmarking.services import run_summary
from opsplatform.errors import Conflict, NotAllowed, NotFound, ValidationFailed, field_error
from tenants.accounts.roles import Role
from tenants.models import Centre
from tenants.teryt import Voivodeship


def _centre_in_scope(request: Request, slug: str) -> Centre:
    require_coordinator(request)
    centre = Centre.objects.select_related("programme").filter(slug=slug).first()
    if centre is None:
        raise NotFound("Nie ma takiego ośrodka.", code="unknown_centre")
    if centre.voivodeship not in account(request).voivodeships:
        raise NotAllowed(
            "Ten ośrodek leży poza Twoim województwem: koordynator widzi tylko ośrodki "
            "swojego regionu.",
            code="centre_out_of_scope",
        )
    return centre


def _centre_json(centre: Centre) -> dict[str, Any]:
    programme = getattr(centre, "programme", None)
    return {
        "slug": centre.slug,
        "name": centre.name,
        "short_name": centre.short_name,
        "voivodeship": centre.voivodeship,
        "gmina_type": centre.gmina_type,
        "population": centre.population,
        "go_live": programme.go_live.isoformat() if programme else None,
        "go_live_assumed": bool(programme and "go_live" in programme.assumed_fields),
    }


COMPARE_PAGE_SIZE = 50
COMPARE_MAX_PAGE_SIZE = 200
CENTRES_PAGE_SIZE = 200
CENTRES_MAX_PAGE_SIZE = 500
PAGE = OpenApiParameter("page", int, description="Strona ośrodków, od 1.")
PAGE_SIZE = OpenApiParameter(
    "page_size", int, description="Ośrodków na stronie (domyślnie 50, najwyżej 200)."
)
CENTRES_PAGE = OpenApiParameter(
    "page_size", int, description="Ośrodków na stronie (domyślnie 200, najwyżej 500)."
)


def _page(
    request: Request, centres: QuerySet[Centre], default: int, maximum: int
) -> tuple[list[Centre], dict[str, int]]:
    """The page of ``centres`` (by short name) that ``page`` and ``page_size`` ask for, with
    ``count``, ``page``, ``pages`` and ``page_size`` for the answer; a clear error for a page
    or size out of range."""
    number = int_param(request.query_params, "page", 1)
    size = int_param(request.query_params, "page_size", default)
    if number < 1:
        raise field_error("page", "Numer strony to liczba od 1.")
    if not 1 <= size <= maximum:
        raise field_error("page_size", f"Rozmiar strony to liczba od 1 do {maximum}.")
    count = centres.count()
    pages = max(1, -(-count // size))
    if number > pages:
        raise field_error("page", f"Stron jest {pages}.")
    shown = list(centres.order_by("short_name", "slug")[(number - 1) * size : number * size])
    return shown, {"count": count, "page": number, "pages": pages, "page_size": size}


class PortalMetricsApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_metrics", responses={200: OpenApiTypes.OBJECT},
                   description="Rejestr wskaźników reorganizacji (wszystkie wersje).")  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response({"metrics": [definition_json(d) for d in DEFINITIONS]})


class RegionCentresApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(
        operation_id="portal_region_centres",
        responses={200: OpenApiTypes.OBJECT},
        parameters=[PAGE, CENTRES_PAGE],
        description="Ośrodki województw koordynatora (z nazwami), według nazwy, stronami po "
        "200 (page_size do 500); count i pages mówią, ile ich jest. Analityk ministerstwa nie "
        "widzi nazwanych ośrodków (403).",
    )
    def get(self, request: Request) -> Response:
        require_coordinator(request)
        centres = Centre.objects.select_related("programme").filter(
            voivodeship__in=account(request).voivodeships
        )
        # A page at a time, as the compare API: an answer does not grow with the country.
        shown, paging = _page(request, centres, CENTRES_PAGE_SIZE, CENTRES_MAX_PAGE_SIZE)
        return Response(
            {
                "voivodeships": account(request).voivodeships,
                **paging,
                "centres": [_centre_json(c) for c in shown],
            }
        )


class RegionCentreSeriesApi(BenchmarkApiView):
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_centre_series", parameters=[METRIC, VERSION, FROM, TO],
                   responses={200: OpenApiTypes.OBJECT},
                   description="Wartości wskaźnika nazwanego ośrodka z województwa koordynatora, "
                   "po kontroli ujawnień.")  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        centre = _centre_in_scope(request, slug)
        definition = metric_param(request.query_params)
        first, last = window_params(request.query_params)
        values = series_answer(
            centre=centre,
            definition=definition,
            first=first,
            last=last,
            audience=Audience.REGION,
            family=family_of(account(request).role, account(request).voivodeships),
        )
        return Response(
            with_disclosure(
                {"centre": _centre_json(centre), "metric": definition_json(definition),
                 "series": values}
            )
        )  # fmt: skip


class RegionCentreBeforeAfterApi(BenchmarkApiView):
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_centre_before_after", parameters=[*WINDOW, SKIP],
                   responses={200: OpenApiTypes.OBJECT},
                   description="Przed i po wdrożeniu nowej struktury w nazwanym ośrodku "
                   "województwa koordynatora.")  # fmt: skip
    def get(self, request: Request, slug: str) -> Response:
        centre = _centre_in_scope(request, slug)
        params = request.query_params
        report = before_after_answer(
            centre=centre,
            definitions=current_definitions(),
            audience=Audience.REGION,
            family=family_of(account(request).role, account(request).voivodeships),
            before_months=int_param(params, "before_months", 12),
            after_months=int_param(params, "after_months", 12),
            skip_months=int_param(params, "skip_months", 0),
            today=timezone.localdate(),
        )
        return Response(with_disclosure(report))


class RegionCompareApi(BenchmarkApiView):
    permission_classes = [IsPortalUser]

    @extend_schema(
        operation_id="portal_region_compare",
        parameters=[METRIC, VERSION, FROM, TO, PAGE, PAGE_SIZE],
        responses={200: OpenApiTypes.OBJECT},
        description="Ośrodki województw koordynatora obok siebie (miesięcznie i za cały okres), "
        "stronami po 50 (page_size do 200), oraz krajowe wartości grupy porównawczej "
        "(kwartyle, bez nazw).",
    )
    def get(self, request: Request) -> Response:
        require_coordinator(request)
        definition = metric_param(request.query_params)
        first, last = window_params(request.query_params, default_months=12, pooled=True)
        centres = Centre.objects.select_related("programme").filter(
            voivodeship__in=account(request).voivodeships
        )
        family = family_of(account(request).role, account(request).voivodeships)
        # A page of the named centres at a time: what an answer reads, protects and returns
        # does not grow with the number of centres in the coordinator's voivodeships.
        in_scope, paging = _page(request, centres, COMPARE_PAGE_SIZE, COMPARE_MAX_PAGE_SIZE)
        # The months and the window of each named centre come from one protected answer, so
        # that a hidden month is never the window minus the shown months; all centres read and
        # recorded together.
        answers = scope_answers(
            scopes=[(centre_scope(centre), [centre]) for centre in in_scope],
            definition=definition,
            first=first,
            last=last,
            audience=Audience.REGION,
            family=family,
            named=True,
        )
        named = [
            {**_centre_json(centre), "series": window["monthly"], "window": window["window"]}
            for centre, window in zip(in_scope, answers, strict=True)
        ]
        national = cohort_answer(
            cohort=COHORTS_BY_CODE["platforma"],
            definition=definition,
            first=first,
            last=last,
            viewer=None,
            family=family,
        )
        national.pop("peers", None)  # the national figures are the distribution, not peers
        return Response(
            with_disclosure(
                {"metric": definition_json(definition), "from": first.isoformat()[:7],
                 "to": last.isoformat()[:7], **paging, "centres": named, "national": national}
            )
        )  # fmt: skip


SCOPE = OpenApiParameter("scope", str, description="PL (kraj) albo kod województwa, np. 12.")


class AggregatesApi(BenchmarkApiView):
    permission_classes = [IsPortalUser]

    @extend_schema(
        operation_id="portal_aggregates",
        parameters=[METRIC, VERSION, FROM, TO, SCOPE],
        responses={200: OpenApiTypes.OBJECT},
        description="Wartości zbiorcze wskaźnika dla kraju lub województwa (bez nazw ośrodków). "
        "Koordynator: kraj albo własne województwa.",
    )
    def get(self, request: Request) -> Response:
        definition = metric_param(request.query_params)
        first, last = window_params(request.query_params, pooled=True)
        scope = request.query_params.get("scope") or NATIONAL
        if scope != NATIONAL and scope not in dict(Voivodeship.choices):
            raise field_error("scope", "Zakres to PL albo dwucyfrowy kod województwa, np. 12.")
        if (
            account(request).role == Role.REGIONAL_COORDINATOR
            and scope != NATIONAL
            and scope not in account(request).voivodeships
        ):
            raise NotAllowed(
                "Koordynator widzi wartości zbiorcze kraju i własnych województw.",
                code="scope_not_allowed",
            )
        centres = scope_centres(scope)
        if not centres:
            raise field_error("scope", "W tym województwie nie ma jeszcze ośrodków na platformie.")
        # A coordinator's own voivodeship holds centres they see by name anyway; anyone else gets
        # aggregates of at least ``min_centres`` centres only.
        own = (
            account(request).role == Role.REGIONAL_COORDINATOR
            and scope in account(request).voivodeships
        )
        figures = scope_answer(
            scope=scope,
            centres=centres,
            definition=definition,
            first=first,
            last=last,
            audience=Audience.REGION if own else Audience.MINISTRY,
            family=family_of(account(request).role, account(request).voivodeships),
            named=own,
        )
        return Response(
            with_disclosure({"scope": scope, "metric": definition_json(definition), **figures})
        )


class SnapshotRunsApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_snapshot_runs", responses={200: OpenApiTypes.OBJECT},
                   description="Ostatnie przeliczenia wskaźników: początek, postęp w każdym "
                   "ośrodku, błędy.")  # fmt: skip
    def get(self, request: Request) -> Response:
        runs = SnapshotRun.objects.order_by("-started_at")[:20]
        return Response({"runs": [run_summary(run) for run in runs]})

    @extend_schema(
        operation_id="portal_snapshot_run_start",
        request=OpenApiTypes.OBJECT,
        responses={202: OpenApiTypes.OBJECT},
        description='Przeliczenie na żądanie (analityk ministerstwa): {"from": "RRRR-MM", '
        '"to": "RRRR-MM"}.',
    )
    def post(self, request: Request) -> Response:
        from benchmarking.tasks import snapshot_run_start

        require_analyst(request)
        if not isinstance(request.data, dict):
            raise ValidationFailed(
                'Prześlij obiekt JSON, np. {"from": "2024-01", "to": "2024-06"}.'
            )
        today = timezone.localdate()
        last = month_param(request.data, "to", last_complete_month(today))
        first = month_param(request.data, "from", last)
        run = snapshot_run_start(
            kind=SnapshotRun.Kind.ON_DEMAND,
            period_from=first,
            period_to=last,
            requested_by=account(request).get_username(),
            one_at_a_time=True,
        )
        return Response(run_summary(run), status=status.HTTP_202_ACCEPTED)


class SnapshotRunApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_snapshot_run", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, public_id: str) -> Response:
        run = SnapshotRun.objects.filter(public_id=public_id).first()
        if run is None:
            raise NotFound("Nie ma takiego przeliczenia.", code="unknown_run")
        return Response(run_summary(run))


class ExportsApi(BenchmarkApiView):
    releases_aggregates = False  # the file itself is built through the gate by the worker
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_exports", responses={200: OpenApiTypes.OBJECT},
                   description="Twoje eksporty (najnowsze najpierw).")  # fmt: skip
    def get(self, request: Request) -> Response:
        jobs = export_list_for_requester(user=account(request))
        return Response({"exports": [export_json(job) for job in jobs], "tables": TABLES})

    @extend_schema(
        operation_id="portal_export_create",
        request=OpenApiTypes.OBJECT,
        responses={202: OpenApiTypes.OBJECT},
        description='Zamów eksport (analityk ministerstwa): {"period": "2025-H1" lub '
        '"2025", "scope": "PL" lub kod województwa, "tables": [...], "format": '
        '"xlsx"|"csv"|"json", "dp_rho": opcjonalnie ρ prywatności różnicowej}.',
    )
    def post(self, request: Request) -> Response:
        require_analyst(request)
        data = request.data if isinstance(request.data, dict) else {}
        job = export_request(user=account(request), data=data)
        return Response(export_json(job), status=status.HTTP_202_ACCEPTED)


class ExportApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_export", responses={200: OpenApiTypes.OBJECT},
                   description="Stan eksportu (postęp w procentach) i metryczka.")  # fmt: skip
    def get(self, request: Request, public_id: str) -> Response:
        job = export_for_requester(user=account(request), public_id=public_id)
        return Response(export_json(job))


class ExportDownloadApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(operation_id="portal_export_download", responses={200: OpenApiTypes.BINARY},
                   description="Plik eksportu; tylko dla zamawiającego. Nagłówek "
                   "X-Checksum-SHA256 niesie sumę kontrolną.")  # fmt: skip
    def get(self, request: Request, public_id: str) -> HttpResponse:
        job = export_for_requester(user=account(request), public_id=public_id)
        if job.status != ExportJob.Status.DONE or job.content is None:
            raise Conflict("Eksport nie jest jeszcze gotowy.", code="export_not_ready")
        response = HttpResponse(bytes(job.content), content_type=job.content_type)
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response["X-Checksum-SHA256"] = job.sha256
        response["Cache-Control"] = "private, no-store"
        return response


class PrivacyBudgetApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsPortalUser]

    @extend_schema(
        operation_id="portal_privacy_budget",
        parameters=[OpenApiParameter("year", int, description="Rok danych (domyślnie bieżący).")],
        responses={200: OpenApiTypes.OBJECT},
        description="Roczny budżet prywatności różnicowej (ρ, zCDP) i rejestr wydań.",
    )
    def get(self, request: Request) -> Response:
        require_analyst(request)
        year = int_param(request.query_params, "year", timezone.localdate().year)
        entries = PrivacyLedgerEntry.objects.filter(budget_year=year)
        return Response(
            budget_summary(year)
            | {
                "ledger": [
                    {
                        "release_id": str(e.release_id),
                        "query_plan_hash": e.query_plan_hash,
                        "mechanism": e.mechanism,
                        "scale": e.scale,
                        "l2_sensitivity": e.l2_sensitivity,
                        "rho": e.rho,
                        "epsilon": e.epsilon,
                        "delta": e.delta,
                        "approver": e.approver,
                        "created_at": e.created_at.isoformat(),
                    }
                    for e in entries
                ]
            }
        )
