from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "casework.privacy"
    label = "privacy"
    verbose_name = "Retencja danych"
    default_auto_field = "django.db.models.BigAutoField"
