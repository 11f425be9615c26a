"""Synthetic casework history for the demo centres.

``build(centre=...)`` fills one centre's schema with invented casework from 2016-01-01 to
yesterday, scaled by the centre's population (about 2–4 % of residents in helped households a
year), with the effects the reorganisation aimed at around ``centre.programme.go_live``:

* before go-live there is no first-contact post: the social worker on duty registers a report,
  the manager hands it to the district's social worker days later, and that one worker does the
  family interview, prepares the decision and does the social work, so logged time is mostly
  administrative proceedings;
* after go-live the first-contact post registers and routes within minutes and resolves a growing
  share at the desk, cases go to the benefits, social-work and services teams, social workers log
  mostly social work, more households are helped by social work only, more social contracts are
  signed and achieved, and handovers per case fall year by year.

Everything is invented: names come from short lists of common Polish first names and surnames,
PESELs from ``casework.pesel.make``, addresses are "ul. Przykładowa 12"-style streets in the
centre's town, and every person and household is marked ``is_synthetic``. The workers are the
centre's existing demo staff (``tenants.demo``). Deterministic for a given day: one
``random.Random`` seeded by the centre's slug. Idempotent: a centre that already has synthetic
households is left alone.

Rows are written with PostgreSQL COPY (text format) into ids reserved from each table's sequence,
in one transaction per centre, by a second thread on the same connection so that PostgreSQL stores
one batch while Python builds the next. Like ``bulk_create`` this fires no signals, so the
synthetic history writes no audit entries; unlike ``bulk_create`` it builds no model instance per
row.

Audit: the history is written as if it had been there before the audit trail began, so it gets no
entry per row: about a million entries, each chained under the trail's lock and hash, would make
provisioning several times slower and bury the trail's real entries. The COPY runs with the audit
guard's exemption (``casework.audit.AUDIT_EXEMPT_SETTING``, set for the writer's lifetime only), and
the trail gets one entry saying the synthetic history was loaded (object ``casework.demohistory``,
its id the day it was built).

Measured on a two-core machine, ``bulk_create`` stored about 8,000 rows a second and COPY about
50,000: the five centres (about a million rows, half of them the activity log) take some
30 seconds this way instead of several minutes.

The package, one module per concern (``Builder`` combines the simulation's parts):

* ``vocabulary``: invented names, the households' profiles and the texts written;
* ``dates``, ``staff``, ``state``: month arithmetic, the staff as simulated, the simulation's
  records;
* ``rows``, ``tables``: the COPY writer and the tables it fills;
* ``base``: the shared state and primitives (working days, random draws, reference data);
* ``people``, ``cases``, ``intake``, ``proceedings``, ``care``, ``socialwork``, ``activity``:
  households, cases and their workers, the intake register, benefit proceedings, care services,
  social work, the activity log;
* ``builder``: the run in order, and ``build``, the entry point.

Demo code only: the provisioning commands load ``build`` by its dotted path
(``settings.DEMO_DATA_BUILDERS``, ``provision_nation``), and an import contract keeps production
modules from importing this package.
"""

from casework.demo.builder import build

__all__ = ["build"]
