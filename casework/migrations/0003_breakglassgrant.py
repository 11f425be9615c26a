# Break-glass access to a household outside the worker's scope.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0002_audit_triggers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BreakGlassGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('reason', models.CharField(max_length=300, verbose_name='powód')),
                ('granted_at', models.DateTimeField(verbose_name='czas udzielenia')),
                ('expires_at', models.DateTimeField(verbose_name='wygasa')),
                ('household', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='break_glass_grants', to='casework.household')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='break_glass_grants', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-granted_at', '-id'],
                'indexes': [models.Index(fields=['user', 'household', 'expires_at'], name='casework_br_user_id_ce926a_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_at__gt', models.F('granted_at'))), name='break_glass_expires_after_granted')],
            },
        ),
    ]
