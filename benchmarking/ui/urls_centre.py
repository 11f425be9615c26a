"""Benchmark pages of a centre's host, mounted at ``/wskazniki/``."""

from django.urls import path

from benchmarking.ui import centre

app_name = "benchmarking-ui"

urlpatterns = [
    path("", centre.centre_benchmarks, name="centre"),
]
