from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "tenants.org"
    label = "org"
    verbose_name = "Struktura organizacyjna"
    default_auto_field = "django.db.models.BigAutoField"
