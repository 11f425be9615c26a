from typing import Any

from django.core.management.base import BaseCommand, CommandError

from opsplatform.schemas import use_public_schema
from tenants.accounts.encryption import SecretUndecryptable
from tenants.accounts.rotation import secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret (portal and all centres) with the first key of "
        "OPS_SECRETS_KEYS. Run after putting a new key first; drop the old key afterwards."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        use_public_schema()
        try:
            result = secrets_rotate()
        except SecretUndecryptable as exc:
            raise CommandError(
                "Jednego z sekretów nie da się odszyfrować żadnym kluczem z OPS_SECRETS_KEYS – "
                "czy stary klucz nie został usunięty za wcześnie? Nic w tej partii nie zmieniono."
            ) from exc
        self.stdout.write(
            f"Zaszyfrowano ponownie {result.reencrypted} sekretów w {result.schemas} schematach."
        )
