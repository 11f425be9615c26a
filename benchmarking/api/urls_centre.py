from django.urls import path

from benchmarking.api import centre

urlpatterns = [
    path("metrics/", centre.MetricDefinitionsApi.as_view(), name="benchmarks-metrics"),
    path("series/", centre.OwnSeriesApi.as_view(), name="benchmarks-series"),
    path("before-after/", centre.OwnBeforeAfterApi.as_view(), name="benchmarks-before-after"),
    path("cohorts/", centre.OwnCohortsApi.as_view(), name="benchmarks-cohorts"),
    path("cohorts/<slug:code>/", centre.OwnCohortPositionApi.as_view(), name="benchmarks-cohort"),
]
