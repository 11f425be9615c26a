"""The day by which an appeal is to be forwarded to the SKO (KPA art. 133: 7 days from lodging,
moved past Saturdays, Sundays and public holidays by art. 57 § 4), stored like the other time
limits (``Application.decision_due_on``, ``FamilyInterview.due_on``) so that the deadline list
filters and orders by it in SQL. Existing appeals get it from their ``lodged_on``."""

import datetime as dt

from django.db import migrations, models

from casework.calendar_days import add_days_kpa

FORWARD_APPEAL_DAYS = 7


def fill_forward_due_on(apps, schema_editor):
    Appeal = apps.get_model("casework", "Appeal")
    due: dict[dt.date, dt.date] = {}
    for appeal in Appeal.objects.only("pk", "lodged_on").iterator():
        if appeal.lodged_on not in due:
            due[appeal.lodged_on] = add_days_kpa(appeal.lodged_on, FORWARD_APPEAL_DAYS)
        Appeal.objects.filter(pk=appeal.pk).update(forward_due_on=due[appeal.lodged_on])


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0006_auditentry_request_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="forward_due_on",
            field=models.DateField(null=True, verbose_name="termin przekazania do SKO"),
        ),
        migrations.RunPython(fill_forward_due_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appeal",
            name="forward_due_on",
            field=models.DateField(verbose_name="termin przekazania do SKO"),
        ),
    ]
