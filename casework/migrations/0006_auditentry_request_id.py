"""The audit entry's request id (opsplatform.request_id): the request or task that wrote it.

Outside the hash chain, like ``xact``: neither the chaining trigger (0002, 0005) nor
``casework.audit.entry_hash`` reads it, so existing chains verify unchanged. ``ADD COLUMN ... DEFAULT
''`` changes no row (PostgreSQL 11+ stores the default in the catalogue), so the append-only
triggers never fire; raw inserts that name no request id (the demo history's COPY) get ''.
"""

import opsplatform.request_id
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0005_audit_guard'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='request_id',
            field=models.CharField(blank=True, db_default='', default=opsplatform.request_id.current_request_id, editable=False, max_length=64),
        ),
    ]
