"""Placeholder until the pages land."""

from django.urls import URLPattern

app_name = "benchmarking-ui"

urlpatterns: list[URLPattern] = []
