"""Retention pages: rules, cases due for erasure, legal holds and the erasure register."""

from django.urls import path

from casework.ui import retention

urlpatterns = [
    path("retencja/", retention.retention_rules, name="retention"),
    path("retencja/zasady/<uuid:rule_id>/", retention.retention_rule_edit, name="retention-rule"),
    path("retencja/do-usuniecia/", retention.retention_preview, name="retention-preview"),
    path("retencja/wstrzymania/", retention.retention_holds, name="retention-holds"),
    path(
        "retencja/wstrzymania/<uuid:case_id>/zniesienie/",
        retention.retention_hold_lift,
        name="retention-hold-lift",
    ),
    path("retencja/rejestr/", retention.retention_register, name="retention-register"),
]
