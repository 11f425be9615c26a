"""Social work: the activity log behind the "share of social work" indicator, social contracts,
individual programmes, social projects and local activity programmes (PAL)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord
from casework.models.cases import Case
from casework.models.people import Household, Person


class ActivityCategory(models.TextChoices):
    SOCIAL_WORK = "social_work", _("praca socjalna")
    PROCEEDINGS = "proceedings", _("postępowania administracyjne")
    SERVICES = "services", _("koordynacja usług")
    OTHER = "other", _("inne")


class ActivityEntry(AuditedRecord):
    """Time a worker spent on one day: minutes, category and (optionally) the household."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities"
    )
    day = models.DateField("dzień")
    minutes = models.PositiveSmallIntegerField("minuty")
    category = models.CharField("rodzaj czynności", max_length=12, choices=ActivityCategory.choices)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["worker", "day"]), models.Index(fields=["day", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=960), name="activity_minutes_in_a_day"
            ),
        ]


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("projekt")
    SIGNED = "signed", _("podpisany")
    ACTIVE = "active", _("realizowany")
    COMPLETED = "completed", _("zakończony")
    BROKEN = "broken", _("zerwany / niedotrzymany")


class ContractVariant(models.TextChoices):
    STANDARD = "standard", _("kontrakt socjalny")
    UNEMPLOYED = "unemployed", _("kontrakt socjalny dla osoby bezrobotnej")
    HOMELESS = "homeless", _("kontrakt socjalny dla osoby bezdomnej")
    FAMILY = "family", _("kontrakt socjalny z rodziną")


class SocialContract(AuditedRecord):
    """A social contract: goals, obligations of both sides, dates, reviews and outcome."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contracts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contracts")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts"
    )
    variant = models.CharField(max_length=12, choices=ContractVariant.choices)
    goals = models.TextField("cele")
    client_obligations = models.TextField("zobowiązania osoby / rodziny")
    centre_obligations = models.TextField("zobowiązania pracownika socjalnego / ośrodka")
    starts_on = models.DateField("od")
    ends_on = models.DateField("do")
    status = models.CharField(max_length=10, choices=ContractStatus.choices, default="draft")
    signed_on = models.DateField("data podpisania", null=True, blank=True)
    closed_on = models.DateField("data zakończenia / zerwania", null=True, blank=True)
    goals_achieved = models.BooleanField("cele osiągnięte", null=True, blank=True)
    outcome_note = models.TextField("ocena realizacji", blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="contract_ends_after_start"
            ),
        ]


class ContractReview(AuditedRecord):
    contract = models.ForeignKey(SocialContract, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField("termin oceny")
    done_on = models.DateField("data oceny", null=True, blank=True)
    note = models.TextField("wnioski", blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    @property
    def overdue(self) -> bool:
        """Not done and its day has passed: shown as "po terminie", not as planned."""
        return self.done_on is None and self.due_on < timezone.localdate()


class ProgrammeKind(models.TextChoices):
    HOMELESSNESS = "homelessness", _("indywidualny program wychodzenia z bezdomności")
    INDEPENDENCE = "independence", _("indywidualny program usamodzielnienia")
    FOREIGNERS = "foreigners", _("indywidualny program integracji cudzoziemca")


class ProgrammeStatus(models.TextChoices):
    ACTIVE = "active", _("realizowany")
    COMPLETED = "completed", _("zakończony")
    DISCONTINUED = "discontinued", _("przerwany")


class IndividualProgramme(AuditedRecord):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="programmes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="programmes")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=ProgrammeKind.choices)
    starts_on = models.DateField("od")
    ends_on = models.DateField("do", null=True, blank=True)
    status = models.CharField(max_length=14, choices=ProgrammeStatus.choices, default="active")
    goals = models.TextField("cele", blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="programme_ends_after_start",
            ),
        ]


class ProjectKind(models.TextChoices):
    SOCIAL_PROJECT = "social_project", _("projekt socjalny")
    PAL = "pal", _("program aktywności lokalnej (PAL)")


class CommunityProject(AuditedRecord):
    name = models.CharField("nazwa", max_length=200)
    kind = models.CharField(max_length=16, choices=ProjectKind.choices)
    starts_on = models.DateField("od")
    ends_on = models.DateField("do", null=True, blank=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target_groups = ArrayField(models.CharField(max_length=100), default=list, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]


class ProjectParticipation(AuditedRecord):
    project = models.ForeignKey(
        CommunityProject, on_delete=models.CASCADE, related_name="participations"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    joined_on = models.DateField("od")
    left_on = models.DateField("do", null=True, blank=True)

    class Meta:
        ordering = ["project_id", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person"],
                condition=Q(left_on__isnull=True),
                name="participation_once",
            ),
        ]
