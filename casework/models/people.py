from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models.base import AuditedRecord


class Sex(models.TextChoices):
    FEMALE = "F", _("kobieta")
    MALE = "M", _("mężczyzna")


class IdentityDocument(models.TextChoices):
    ID_CARD = "id_card", _("dowód osobisty")
    PASSPORT = "passport", _("paszport")
    RESIDENCE_CARD = "residence_card", _("karta pobytu")
    OTHER = "other", _("inny dokument")


class Person(AuditedRecord):
    """A person the centre works with. PESEL, or another identity document when there is none
    (foreigners). PESEL is unique within the centre."""

    first_name = models.CharField("imię", max_length=100)
    last_name = models.CharField("nazwisko", max_length=100)
    # NULL, not "", for "no PESEL": the unique constraint must ignore people without one.
    pesel = models.CharField("PESEL", max_length=11, null=True, blank=True)  # noqa: DJ001
    document_type = models.CharField(
        "rodzaj dokumentu", max_length=20, choices=IdentityDocument.choices, blank=True
    )
    document_number = models.CharField("numer dokumentu", max_length=40, blank=True)
    date_of_birth = models.DateField("data urodzenia")
    sex = models.CharField("płeć", max_length=1, choices=Sex.choices)
    citizenship = models.CharField("obywatelstwo", max_length=60, default="polskie")
    street = models.CharField("ulica i numer", max_length=200, blank=True)
    postal_code = models.CharField("kod pocztowy", max_length=6, blank=True)
    city = models.CharField("miejscowość", max_length=100, blank=True)
    phone = models.CharField("telefon", max_length=30, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pesel"], condition=Q(pesel__isnull=False), name="person_pesel_unique"
            ),
            models.CheckConstraint(
                condition=Q(pesel__isnull=False) | ~Q(document_number=""),
                name="person_pesel_or_document",
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Relation(models.TextChoices):
    HEAD = "head", _("osoba prowadząca gospodarstwo")
    SPOUSE = "spouse", _("małżonek / partner")
    CHILD = "child", _("dziecko")
    PARENT = "parent", _("rodzic")
    SIBLING = "sibling", _("rodzeństwo")
    GRANDCHILD = "grandchild", _("wnuk")
    OTHER = "other", _("inna osoba")


class Household(AuditedRecord):
    """A family or a single person keeping a household (rodzina / gospodarstwo domowe)."""

    street = models.CharField("ulica i numer", max_length=200, blank=True)
    postal_code = models.CharField("kod pocztowy", max_length=6, blank=True)
    city = models.CharField("miejscowość", max_length=100, blank=True)
    is_synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"gospodarstwo {self.public_id}"


class HouseholdMember(AuditedRecord):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField("pokrewieństwo", max_length=12, choices=Relation.choices)
    joined_on = models.DateField("od")
    left_on = models.DateField("do", null=True, blank=True)

    class Meta:
        ordering = ["household_id", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", left_on__isnull=True),
                name="household_one_current_head",
            ),
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(left_on__isnull=True),
                name="household_member_once",
            ),
        ]


class IncomeRecord(AuditedRecord):
    """A member's monthly net income as established on ``as_of`` (it holds until the next one)."""

    member = models.ForeignKey(HouseholdMember, on_delete=models.CASCADE, related_name="incomes")
    as_of = models.DateField("stan na dzień")
    amount = models.DecimalField("dochód miesięczny (zł)", max_digits=10, decimal_places=2)
    source = models.CharField("źródło", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["member_id", "-as_of", "-id"]
