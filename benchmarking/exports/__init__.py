"""Ministry exports: tables in the spirit of MRPiPS-03 and the reorganisation indicators, for a
reporting period and a scope (the country or one voivodeship), as CSV, XLSX or JSON.

An export is asked for by a ministry analyst (``request.export_request``) and built by a worker
(``build.export_build``): it sums the centres' stored reporting tables, optionally adds
differential-privacy noise (charged to the yearly budget ledger first), sends every table through
the disclosure gate, protects the release together with everything already published, renders
the file and stores it with its checksum and provenance. Only the requester can list and download
it.

Modules: ``parameters`` (what an export is), ``budget`` (the privacy budget), ``request`` (asking
for an export; sends the job to the worker), ``sums`` (the centres' tables summed),
``tables`` (services and indicators), ``family`` (the ledger and the linked protection) and
``build`` (the worker's part) with ``worker`` (its Celery task, registered by
``benchmarking.tasks``). ``build`` never imports ``request``, and nothing here imports
``benchmarking.tasks``: the import graph has no cycle (an import-linter contract).
"""
