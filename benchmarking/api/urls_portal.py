from django.urls import path

from benchmarking.api import portal

urlpatterns = [
    path("benchmarks/metrics/", portal.PortalMetricsApi.as_view(), name="portal-metrics"),
    path("benchmarks/centres/", portal.RegionCentresApi.as_view(), name="portal-centres"),
    path(
        "benchmarks/centres/<slug:slug>/series/",
        portal.RegionCentreSeriesApi.as_view(),
        name="portal-centre-series",
    ),
    path(
        "benchmarks/centres/<slug:slug>/before-after/",
        portal.RegionCentreBeforeAfterApi.as_view(),
        name="portal-centre-before-after",
    ),
    path("benchmarks/compare/", portal.RegionCompareApi.as_view(), name="portal-compare"),
    path("benchmarks/aggregates/", portal.AggregatesApi.as_view(), name="portal-aggregates"),
    path("benchmarks/runs/", portal.SnapshotRunsApi.as_view(), name="portal-runs"),
    path("benchmarks/runs/<uuid:public_id>/", portal.SnapshotRunApi.as_view(), name="portal-run"),
    path("exports/", portal.ExportsApi.as_view(), name="portal-exports"),
    path("exports/<uuid:public_id>/", portal.ExportApi.as_view(), name="portal-export"),
    path(
        "exports/<uuid:public_id>/download/",
        portal.ExportDownloadApi.as_view(),
        name="portal-export-download",
    ),
    path("privacy-budget/", portal.PrivacyBudgetApi.as_view(), name="portal-privacy-budget"),
]
