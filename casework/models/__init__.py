"""The casework model of a centre (its own schema).

Records that appear in URLs carry a UUID ``public_id``; integer keys never leave the server.
"""

from casework.models.access import BreakGlassGrant
from casework.models.audit import AuditEntry
from casework.models.care import ServiceDelivery, ServicePlan
from casework.models.cases import Case, CaseAssignment, Handover
from casework.models.intake import Intake
from casework.models.people import Household, HouseholdMember, IncomeRecord, Person
from casework.models.proceedings import (
    Appeal,
    Application,
    Decision,
    DecisionAuthorisation,
    DelayNotice,
    FamilyInterview,
)
from casework.models.socialwork import (
    ActivityEntry,
    CommunityProject,
    ContractReview,
    IndividualProgramme,
    ProjectParticipation,
    SocialContract,
)

__all__ = [
    "ActivityEntry",
    "Appeal",
    "Application",
    "AuditEntry",
    "BreakGlassGrant",
    "Case",
    "CaseAssignment",
    "CommunityProject",
    "ContractReview",
    "Decision",
    "DecisionAuthorisation",
    "DelayNotice",
    "FamilyInterview",
    "Handover",
    "Household",
    "HouseholdMember",
    "IncomeRecord",
    "IndividualProgramme",
    "Intake",
    "Person",
    "ProjectParticipation",
    "ServiceDelivery",
    "ServicePlan",
    "SocialContract",
]
