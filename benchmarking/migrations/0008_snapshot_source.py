from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benchmarking", "0007_table_snapshot_source_mark"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="source",
            field=models.CharField(
                blank=True,
                default="",
                help_text="the centre's change mark and population when computed (empty: unknown)",
                max_length=80,
            ),
        ),
    ]
