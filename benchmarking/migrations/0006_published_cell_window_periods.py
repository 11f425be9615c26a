"""Ledger periods may be a before/after window (``2023-04..2024-03``), not only a calendar
period: the before/after reports are recorded cell by cell too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benchmarking", "0005_published_cells")]

    operations = [
        migrations.AlterField(
            model_name="publishedcell",
            name="period",
            field=models.CharField(
                help_text="RRRR, RRRR-Hn, RRRR-Qn, RRRR-MM or RRRR-MM..RRRR-MM (a before/after "
                "window)",
                max_length=20,
            ),
        ),
    ]
