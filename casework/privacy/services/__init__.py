"""Retention services: the plan of what is due (``plan``), the run that erases or anonymises it
(``run``, whose docstring says what a run does), and the manager's rules and legal holds
(``rules``). The names callers use are importable from here."""

from casework.privacy.services.plan import CaseDue, cases_due, intakes_due
from casework.privacy.services.rules import (
    RULE_FIELDS,
    legal_hold_lift,
    legal_hold_set,
    retention_rule_update,
)
from casework.privacy.services.run import (
    ANONYMOUS_BIRTH_DATE,
    ANONYMOUS_DOCUMENT_PREFIX,
    RetentionResult,
    apply_retention,
)

__all__ = [
    "ANONYMOUS_BIRTH_DATE",
    "ANONYMOUS_DOCUMENT_PREFIX",
    "RULE_FIELDS",
    "CaseDue",
    "RetentionResult",
    "apply_retention",
    "cases_due",
    "intakes_due",
    "legal_hold_lift",
    "legal_hold_set",
    "retention_rule_update",
]
