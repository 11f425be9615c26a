from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Praca z klientem"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.audit import connect_signals

        connect_signals()
