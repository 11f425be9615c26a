"""Social work and care services on a household's case file: social contracts with their reviews,
individual programmes, participation in social projects and PAL, care service plans with the
hours delivered, and the activity log (the time-share of social work is the headline measure of
the reorganisation, so logging time is one short row on every case file).

The case file page (``casework-ui:case-detail``) shows these through :func:`case_panel_context`
and the template ``casework/ui/socialwork/_case_panel.html``; every form on it posts to a view of
this package, which calls the same service as the REST API (``casework.api.socialwork`` and
``casework.api.care``), answers a refused form with the form and its inline errors, and on success
redirects back to the case file at the section concerned. The standalone contract page shows one
contract with the forms for its next steps.

Every view acts as the logged-in user in the audit trail (AuditActorMiddleware), turns
a service's ``NotAllowed`` into 403 and ``NotFound`` into 404, and checks the role's capability
before reading the form, so a role without it gets 403 whatever it posts.

The package, one module per concern: ``common`` (access, addresses, form submission), ``actions``
(the forms offered as next steps), ``panel`` (the case file's sections), ``contracts``,
``programmes`` (programmes and project participation), ``care`` and ``activity`` (the views).
"""

from casework.ui.socialwork.common import contract_anchor
from casework.ui.socialwork.panel import case_panel_context

__all__ = ["case_panel_context", "contract_anchor"]
