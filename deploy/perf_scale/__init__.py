"""`make perf-scale`: every step's cost with N centres on one PostgreSQL, side by side with
django-tenants' default path where there is one, against the platform's scale goals (each
step's ``goal``: 2,500 centres on one PostgreSQL).

It works on its own database (the server's database name with ``_perfscale`` appended), never the
one of `make run`, `make perf` or the tests: migrated, with the five demo centres, then grown to N
synthetic centres by ``manage.py provision_nation`` (restartable, so a bigger N reuses the centres
already there). Then, in this process through the whole Django stack unless said otherwise:

* new centre: ``centre_provision`` (template DDL replay) vs django-tenants' ``migrate`` into an
  empty schema vs django-tenants' ``clone_schema``; each rolled back or dropped afterwards;
* no-op ``migrate_schemas``: ours vs ``--executor=standard`` (subprocesses, wall time);
* a centre request: ``SET search_path`` statements, tenant-lookup queries when warm, all queries;
* the portal's coordinator comparison (page and API) for mazowieckie and for all 16 voivodeships;
* snapshots, before (the per-month contract, one connection over every schema) and after (the
  workers' set-based batch service): the nightly months for every centre, the whole history for a
  few, statements per centre, and the PostgreSQL backend's memory after touching every schema;
* bytes and relations per empty centre, the database's size, ``manage.py list_centres``.

Goals the run misses are printed as MISSED with goal vs measured. With N < 2,500 the output states
the extrapolation model and the extrapolated figure. Results: test-artifacts/perf-scale/results.json
(and results-N<N>.json per N, which later runs use to fit a line through the sizes measured).
"""
