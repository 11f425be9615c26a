from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tenants.accounts"
    label = "accounts"
    verbose_name = "Konta"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tenants.accounts import signals  # noqa: F401
