"""The benchmarking API on a centre's host: the centre's own indicators, its before/after
report around its go-live, and its position in predefined cohorts."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from benchmarking.api.base import BenchmarkApiView, IsCentreStaff, with_disclosure
from benchmarking.centre_answers import (
    before_after_answer,
    cohort_answer,
    own_family,
    peer_family,
    series_answer,
)
from benchmarking.cohorts import COHORTS_BY_CODE, cohorts_of
from benchmarking.comparisons import WINDOW_CHOICES, definition_json
from benchmarking.definitions import DEFINITIONS, current_definitions
from benchmarking.disclosure import Audience
from benchmarking.params import int_param, metric_param, window_params
from opsplatform.errors import NotFound
from opsplatform.schemas import current_tenant

METRIC = OpenApiParameter("metric", str, description="Kod wskaźnika, np. decided_within_kpa_share.")
VERSION = OpenApiParameter("version", int, description="Wersja definicji (domyślnie najnowsza).")
FROM = OpenApiParameter("from", str, description="Pierwszy miesiąc, RRRR-MM.")
TO = OpenApiParameter("to", str, description="Ostatni miesiąc, RRRR-MM (domyślnie poprzedni).")
WINDOW = [
    OpenApiParameter(name, int, description=f"Długość okna w miesiącach: {WINDOW_CHOICES}.")
    for name in ("before_months", "after_months")
]
SKIP = OpenApiParameter("skip_months", int, description="Okres przejściowy po wdrożeniu: 0, 3, 6.")


class MetricDefinitionsApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsCentreStaff]

    @extend_schema(
        operation_id="benchmarks_metrics",
        responses={200: OpenApiTypes.OBJECT},
        description="Rejestr wskaźników reorganizacji: wszystkie wersje definicji.",
    )
    def get(self, request: Request) -> Response:
        return Response({"metrics": [definition_json(d) for d in DEFINITIONS]})


class OwnSeriesApi(BenchmarkApiView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        operation_id="benchmarks_own_series",
        parameters=[METRIC, VERSION, FROM, TO],
        responses={200: OpenApiTypes.OBJECT},
        description="Wartości wskaźnika własnego ośrodka miesiąc po miesiącu.",
    )
    def get(self, request: Request) -> Response:
        definition = metric_param(request.query_params)
        first, last = window_params(request.query_params)
        centre = current_tenant()
        values = series_answer(
            centre=centre,
            definition=definition,
            first=first,
            last=last,
            audience=Audience.OWN_CENTRE,
            family=own_family(centre),
        )
        return Response(with_disclosure({"metric": definition_json(definition), "series": values}))


class OwnBeforeAfterApi(BenchmarkApiView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        operation_id="benchmarks_own_before_after",
        parameters=[*WINDOW, SKIP],
        responses={200: OpenApiTypes.OBJECT},
        description="Średnie wskaźników przed i po dniu wdrożenia nowej struktury ośrodka oraz "
        "różnica. Data oznaczona jako przyjęta (go_live_assumed) nie pochodzi ze źródła.",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        centre = current_tenant()
        report = before_after_answer(
            centre=centre,
            definitions=current_definitions(),
            audience=Audience.OWN_CENTRE,
            family=own_family(centre),
            before_months=int_param(params, "before_months", 12),
            after_months=int_param(params, "after_months", 12),
            skip_months=int_param(params, "skip_months", 0),
            today=timezone.localdate(),
        )
        return Response(with_disclosure(report))


class OwnCohortsApi(BenchmarkApiView):
    releases_aggregates = False
    permission_classes = [IsCentreStaff]

    @extend_schema(
        operation_id="benchmarks_own_cohorts",
        responses={200: OpenApiTypes.OBJECT},
        description="Predefiniowane grupy porównawcze, do których należy ośrodek.",
    )
    def get(self, request: Request) -> Response:
        cohorts = cohorts_of(current_tenant(), timezone.localdate())
        return Response(
            {
                "cohorts": [
                    {"code": c.code, "name_pl": c.name_pl, "name_en": c.name_en} for c in cohorts
                ]
            }
        )


class OwnCohortPositionApi(BenchmarkApiView):
    permission_classes = [IsCentreStaff]

    @extend_schema(
        operation_id="benchmarks_own_cohort_position",
        parameters=[METRIC, VERSION, FROM, TO],
        responses={200: OpenApiTypes.OBJECT},
        description="Kwartyle wskaźnika w grupie porównawczej i pozycja ośrodka; inne ośrodki "
        "tylko pod pseudonimami zmienianymi w każdym wydaniu. Gdy zasady ochrony danych na to "
        "nie pozwalają, allowed=false i powód po polsku.",
    )
    def get(self, request: Request, code: str) -> Response:
        cohort = COHORTS_BY_CODE.get(code)
        if cohort is None:
            raise NotFound("Nie ma takiej grupy porównawczej.", code="unknown_cohort")
        definition = metric_param(request.query_params)
        first, last = window_params(request.query_params, default_months=12, pooled=True)
        centre = current_tenant()
        figures = cohort_answer(
            cohort=cohort,
            definition=definition,
            first=first,
            last=last,
            viewer=centre,
            family=peer_family(centre),
        )
        return Response(with_disclosure(figures))
