"""The manager's views and the access log (manager and auditor)."""

from django.urls import path

from casework.ui import manager

urlpatterns = [
    path("kierownik/", manager.manager_overview, name="manager"),
    path("kierownik/terminy/", manager.manager_overdue, name="manager-overdue"),
    path("dziennik-dostepu/", manager.access_log, name="access-log"),
    path(
        "dziennik-dostepu/<uuid:person_id>/",
        manager.access_log_person,
        name="access-log-person",
    ),
]
