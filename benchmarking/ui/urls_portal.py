"""Placeholder until the pages land."""

from django.urls import URLPattern

app_name = "benchmarking-portal"

urlpatterns: list[URLPattern] = []
