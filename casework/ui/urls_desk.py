"""The first-contact desk: the visit form, its search, person and field partials, the
confirmation."""

from django.urls import path

from casework.ui import desk

urlpatterns = [
    path("pierwszy-kontakt/", desk.desk, name="desk"),
    path("pierwszy-kontakt/szukaj/", desk.desk_search, name="desk-search"),
    path("pierwszy-kontakt/osoba/", desk.desk_person_slot, name="desk-person"),
    path("pierwszy-kontakt/sprawdz/<slug:field>/", desk.desk_validate, name="desk-validate"),
    path("pierwszy-kontakt/zgloszenie/<uuid:intake_id>/", desk.desk_done, name="desk-done"),
]
