"""Benchmark snapshots and their runs, in the public schema. Aggregates only: no casework row is
ever stored here, only the numbers the metrics contract returns."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotRun(models.Model):
    """One computation of snapshots over centres and months (nightly, on demand or a backfill)."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("nocne")
        ON_DEMAND = "on_demand", _("na żądanie")
        BACKFILL = "backfill", _("uzupełnienie historii")

    class Status(models.TextChoices):
        RUNNING = "running", _("w toku")
        DONE = "done", _("zakończone")
        FAILED = "failed", _("z błędami")

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
        PENDING = "pending", _("oczekuje")
        RUNNING = "running", _("w toku")
        DONE = "done", _("gotowe")
        FAILED = "failed", _("błąd")

    UNFINISHED = (Status.PENDING, Status.RUNNING)

    run = models.ForeignKey(SnapshotRun, on_delete=models.CASCADE, related_name="centres")
    centre = models.ForeignKey("tenants.Centre", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    months_done = models.PositiveIntegerField(default=0)
    values_written = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    last_progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "centre_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "centre"], name="run_centre_once"),
        ]
        indexes = [
            # Whether a run still has unfinished (or failed) centres, without reading the others:
            # the run's end is checked after every centre.
            models.Index(
                fields=["run", "status"],
                condition=models.Q(status__in=("pending", "running", "failed")),
                name="run_centre_not_done",
            ),
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
    source = models.CharField(
        max_length=80,
        blank=True,
        default="",
        help_text="the centre's change mark and population when computed (empty: unknown)",
    )

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


class TableSnapshot(models.Model):
    """One centre's reporting tables (MRPiPS-03 style) for a half-year or a year.

    Aggregates only, keyed by public code lists: households and persons by main art. 7 reason ×
    form of help, social contracts and care services. Distinct households over a period cannot be
    summed from months, so the standard reporting periods are computed and stored as such.
    """

    centre = models.ForeignKey("tenants.Centre", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveSmallIntegerField()
    year = models.PositiveSmallIntegerField()
    half = models.PositiveSmallIntegerField(help_text="1 or 2 for a half-year, 0 for the year")
    reason_rows = models.JSONField()
    form_columns = models.JSONField()
    households = models.JSONField(help_text='"reason|form" → households')
    persons = models.JSONField(help_text='"reason|form" → persons')
    persons_capped = models.JSONField(help_text='"reason|form" → persons, at most 8 a household')
    contracts = models.JSONField()
    services = models.JSONField()
    complete = models.BooleanField(help_text="The period had ended when this was computed.")
    # What it was computed from: the centre's audit-trail position and the last day
    # covered. A later run finding both unchanged skips the centre's period.
    source_seq = models.BigIntegerField(
        null=True, help_text="max AuditEntry.seq of the centre's schema when computed"
    )
    source_last = models.DateField(null=True, help_text="the last day the tables cover")
    run = models.ForeignKey(SnapshotRun, on_delete=models.PROTECT, related_name="tables")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre_id", "year", "half"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "version", "year", "half"], name="table_snapshot_once"
            ),
            models.CheckConstraint(condition=models.Q(half__in=(0, 1, 2)), name="half_0_1_2"),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.year}/{self.half or 'rok'}"


class ExportJob(models.Model):
    """A ministry export: asked for by a portal user, built by a worker, downloaded by them only."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("w kolejce")
        RUNNING = "running", _("w toku")
        DONE = "done", _("gotowy")
        FAILED = "failed", _("błąd")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="benchmark_exports"
    )
    parameters = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(null=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    provenance = models.JSONField(default=dict)
    suppressed_pattern = models.JSONField(
        default=dict, help_text="table code → suppressed cells, kept stable in the next release"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"export {self.public_id} ({self.status})"


class PrivacyLedgerEntry(models.Model):
    """The differential-privacy budget ledger: one row per noisy release, never changed.

    A database trigger refuses UPDATE and DELETE (migration 0003); the yearly budget is the sum of
    ``rho`` over a budget year.
    """

    release_id = models.UUIDField(unique=True)
    budget_year = models.PositiveSmallIntegerField()
    query_plan_hash = models.CharField(max_length=64)
    mechanism = models.CharField(max_length=100)
    scale = models.FloatField()
    l2_sensitivity = models.FloatField()
    rho = models.FloatField()
    epsilon = models.FloatField()
    delta = models.FloatField()
    approver = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.release_id} ρ={self.rho}"


class PublishedCell(models.Model):
    """The ledger of everything published: one row per cell of an aggregate that left
    the platform, in an export, an API answer or a page, with its scope, period, table and value
    or marker. New releases are protected against it, and cells hidden once stay hidden.

    The same cell released again with the outcome of its latest row is not recorded again; a
    different outcome (e.g. data recomputed, or a correction undone: A, B, then A again) is a new
    row, its ``fingerprint`` chained on the row before, so a cell's latest row is what its
    readers saw last. Rows are never changed.
    """

    class Channel(models.TextChoices):
        EXPORT = "export", _("eksport")
        API = "api", _("API")
        PAGE = "page", _("strona")

    audience = models.CharField(max_length=20)
    viewer = models.CharField(
        max_length=60, blank=True, help_text="whose releases form one family, e.g. voivodeships"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    exact = models.BooleanField(default=True, help_text="False for differentially private values")
    scope = models.CharField(max_length=60)
    period = models.CharField(
        max_length=20,
        help_text="RRRR, RRRR-Hn, RRRR-Qn, RRRR-MM or RRRR-MM..RRRR-MM (a before/after window)",
    )
    table = models.CharField(max_length=60)
    row = models.CharField(max_length=100)
    column = models.CharField(max_length=100)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    marker = models.CharField(max_length=5, blank=True)
    hidden = models.BooleanField(default=False)
    sensitive = models.BooleanField(
        default=False,
        help_text="hidden for itself (small, sensitive zero, dominated), not as a complement; "
        "kept inside the platform, never published",
    )
    release = models.CharField(max_length=64, help_text="export id or answer fingerprint")
    fingerprint = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["audience", "table", "period"]),
            models.Index(fields=["audience", "scope", "table"]),
        ]

    def __str__(self) -> str:
        shown = self.marker if self.hidden else self.value
        return f"{self.scope} {self.period} {self.table}[{self.row}|{self.column}] = {shown}"
