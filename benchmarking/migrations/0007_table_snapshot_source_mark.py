from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarking", "0006_published_cell_window_periods"),
    ]

    operations = [
        migrations.AddField(
            model_name="tablesnapshot",
            name="source_seq",
            field=models.BigIntegerField(
                help_text="max AuditEntry.seq of the centre's schema when computed", null=True
            ),
        ),
        migrations.AddField(
            model_name="tablesnapshot",
            name="source_last",
            field=models.DateField(help_text="the last day the tables cover", null=True),
        ),
    ]
