"""Benchmark snapshots and their runs, in the public schema. Aggregates only: no casework row is
ever stored here, only the numbers the metrics contract returns."""

import uuid

from django.db import models


class SnapshotRun(models.Model):
    """One computation of snapshots over centres and months (nightly, on demand or a backfill)."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", "nocne"
        ON_DEMAND = "on_demand", "na żądanie"
        BACKFILL = "backfill", "uzupełnienie historii"

    class Status(models.TextChoices):
        RUNNING = "running", "w toku"
        DONE = "done", "zakończone"
        FAILED = "failed", "z błędami"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    period_from = models.DateField()
    period_to = models.DateField()
    versions = models.JSONField(help_text="metric code → formula version")
    requested_by = models.CharField(max_length=150, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_from}–{self.period_to}"


class SnapshotRunCentre(models.Model):
    """Progress of one centre within a run; a rerun picks up the centres not done."""

    class Status(models.TextChoices):
        PENDING = "pending", "oczekuje"
        RUNNING = "running", "w toku"
        DONE = "done", "gotowe"
        FAILED = "failed", "błąd"

    run = models.ForeignKey(SnapshotRun, on_delete=models.CASCADE, related_name="centres")
    centre = models.ForeignKey("tenants.Centre", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    months_done = models.PositiveIntegerField(default=0)
    values_written = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "centre_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "centre"], name="run_centre_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.centre_id}: {self.status}"


class Snapshot(models.Model):
    """The value of one metric (code and formula version) for one centre and month."""

    centre = models.ForeignKey("tenants.Centre", on_delete=models.CASCADE, related_name="+")
    metric = models.SlugField(max_length=60)
    version = models.PositiveSmallIntegerField()
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    numerator = models.DecimalField(max_digits=16, decimal_places=4)
    denominator = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True)
    n = models.PositiveIntegerField()
    top_shares = models.JSONField(default=list)
    run = models.ForeignKey(SnapshotRun, on_delete=models.PROTECT, related_name="snapshots")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre_id", "metric", "year", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "metric", "version", "year", "month"],
                name="snapshot_once_per_centre_metric_version_month",
            ),
        ]
        indexes = [models.Index(fields=["metric", "version", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.metric}@{self.version} {self.year}-{self.month:02d}"
