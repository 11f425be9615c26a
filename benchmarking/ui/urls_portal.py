"""Benchmark pages of the portal host (mounted at its root): comparisons and exports."""

from django.urls import path

from benchmarking.ui import exports, portal

app_name = "benchmarking-portal"

urlpatterns = [
    path("porownanie/", portal.compare, name="compare"),
    path("porownanie/<slug:slug>/", portal.centre_detail, name="centre"),
    path("eksporty/", exports.exports, name="exports"),
    path("eksporty/budzet/", exports.export_budget, name="export-budget"),
    path("eksporty/<uuid:public_id>/", exports.export_detail, name="export"),
    path("eksporty/<uuid:public_id>/stan/", exports.export_status, name="export-status"),
    path("eksporty/<uuid:public_id>/pobierz/", exports.export_download, name="export-download"),
]
