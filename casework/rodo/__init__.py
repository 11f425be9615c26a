"""RODO (GDPR) duties of a centre towards the people whose data it holds.

- :mod:`casework.rodo.register`: the register of processing activities (art. 30), generated from
  ``processing_activities.toml`` merged with the centre's registry data.
- :mod:`casework.rodo.subject_access`: everything the centre holds about one person, with the
  report of every access to it, for a subject-access request (art. 15); exported as JSON and PDF
  (:mod:`casework.rodo.pdf`).

Who may use them: the manager and the auditor (capability ``AUDIT_READ``). The platform has no
separate data protection officer role; a DPO working at a centre is given the auditor's role.
Rectification (art. 16) goes through the normal person service, ``casework.services.people.
person_update`` (API: ``PATCH /api/people/<id>/``).
"""
