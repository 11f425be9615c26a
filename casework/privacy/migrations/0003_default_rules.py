"""Default retention rules of a new centre (and of every existing one on upgrade).

These are SYNTHETIC STARTING VALUES, not the legal ones: the JRWA symbols and archival categories
of a centre come from its own instrukcja kancelaryjna and jednolity rzeczowy wykaz akt, agreed with
the state archive. Every default is marked "do weryfikacji przez archiwistę ośrodka"; the manager
changes them on the retention page (``/retencja/zasady/``).
"""

from django.db import migrations

TO_VERIFY = "Wartość domyślna – do weryfikacji przez archiwistę ośrodka."

# record type, archival category, years, note
DEFAULTS = [
    ("case_file", "B10", 10, TO_VERIFY),
    ("social_contract", "B10", 10, TO_VERIFY),
    ("care_plan", "B10", 10, TO_VERIFY),
    ("activity_log", "B5", 5, TO_VERIFY),
    ("intake", "B5", 5, TO_VERIFY),
]


def seed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for record_type, category, years, note in DEFAULTS:
        RetentionRule.objects.get_or_create(
            record_type=record_type,
            defaults={
                "archival_category": category,
                "years": years,
                "note": note,
                "active": True,
                "updated_by": "system",
            },
        )


def unseed(apps, schema_editor):
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    RetentionRule.objects.filter(
        record_type__in=[row[0] for row in DEFAULTS], updated_by="system"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
