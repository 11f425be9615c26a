"""Data: encrypt the TOTP secrets kept in plaintext until now (with the first key of
OPS_SECRETS_KEYS), and drop Django REST framework's token table, whose keys were kept in
plaintext: API clients issue a new token (POST /api/auth/token/) after this migration.

Reversing decrypts the secrets again; the dropped tokens cannot come back (nothing to reverse)."""

from typing import Any

from django.db import migrations

from tenants.accounts import encryption


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    device_model = apps.get_model("accounts", "TOTPDevice")
    for device in device_model.objects.all().only("id", "secret_encrypted"):
        if not encryption.is_encrypted(device.secret_encrypted):
            device.secret_encrypted = encryption.encrypt(device.secret_encrypted)
            device.save(update_fields=["secret_encrypted"])


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    device_model = apps.get_model("accounts", "TOTPDevice")
    for device in device_model.objects.all().only("id", "secret_encrypted"):
        if encryption.is_encrypted(device.secret_encrypted):
            device.secret_encrypted = encryption.decrypt(device.secret_encrypted)
            device.save(update_fields=["secret_encrypted"])


def drop_plaintext_tokens(apps: Any, schema_editor: Any) -> None:
    # Qualified with this migration's own schema: unqualified, a schema without the table would
    # find the public schema's one through the search path.
    connection = schema_editor.connection
    schema = connection.ops.quote_name(getattr(connection, "schema_name", "public"))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema}.authtoken_token")
        cursor.execute(f"DELETE FROM {schema}.django_migrations WHERE app = 'authtoken'")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_credentials")]

    operations = [
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RunPython(drop_plaintext_tokens, migrations.RunPython.noop),
    ]
