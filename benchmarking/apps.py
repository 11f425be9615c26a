from django.apps import AppConfig


class BenchmarkingConfig(AppConfig):
    name = "benchmarking"
    verbose_name = "Porównania"
    default_auto_field = "django.db.models.BigAutoField"
