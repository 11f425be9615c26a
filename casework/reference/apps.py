from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "casework.reference"
    label = "reference"
    verbose_name = "Słowniki"
    default_auto_field = "django.db.models.BigAutoField"
