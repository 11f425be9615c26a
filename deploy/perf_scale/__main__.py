"""`make perf-scale`: ``python -m deploy.perf_scale --n N --volume V`` (see the package's
docstring)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

import deploy.perf_scale as package
from deploy.perf_scale.common import ROOT, Step, perfscale_database_url, prepare_database
from deploy.perf_scale.exports import national_export
from deploy.perf_scale.provisioning import (
    additive_migrate,
    backups,
    centre_list,
    new_centre,
    noop_migrate,
    onboarding,
    sizes,
)
from deploy.perf_scale.report import report
from deploy.perf_scale.snapshots import snapshot_all
from deploy.perf_scale.web import centre_request, portal


def main() -> int:
    parser = argparse.ArgumentParser(description=(package.__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="synthetic centres (default 200)")
    parser.add_argument("--volume", type=float, default=0.02, help="history volume (0.02)")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-setup", action="store_true", help="the database is ready")
    parser.add_argument("--only", help="run only steps whose function name contains this")
    options = parser.parse_args()

    os.chdir(ROOT)
    url = perfscale_database_url(os.environ["DATABASE_URL"])
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "opsplatform.settings.dev",
            "BASE_DOMAIN": "localhost",
        }
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    provision_s = 0.0
    if not options.skip_setup:
        provision_s = prepare_database(url, options.n, options.volume)

    sys.path.insert(0, str(ROOT / "platform"))
    import django

    django.setup()
    from opsplatform.schemas import use_public_schema
    from tenants.models import Centre
    from tenants.nation import nation

    slugs = {s.slug for s in nation()}
    n = sum(1 for slug in Centre.objects.values_list("slug", flat=True) if slug in slugs)
    first_synthetic = nation()[0].slug
    runs: list[tuple[str, Callable[[], None]]] = [
        ("new_centre", lambda: new_centre(steps, n, min(options.repeat, 7))),
        ("onboarding", lambda: onboarding(steps, n)),
        ("noop_migrate", lambda: noop_migrate(steps, n)),
        ("additive_migrate", lambda: additive_migrate(steps, n)),
        ("centre_request", lambda: centre_request(steps, first_synthetic)),
        ("snapshot_all", lambda: snapshot_all(steps, n)),
        ("portal", lambda: portal(steps, options.repeat, n)),
        ("national_export", lambda: national_export(steps, n)),
        ("sizes", lambda: sizes(steps, n)),
        ("centre_list", lambda: centre_list(steps, n)),
        ("backups", lambda: backups(steps, n)),
    ]
    steps: list[Step] = []
    for name, run in runs:
        if options.only and options.only not in name:
            continue
        print(f"perf-scale: measuring {name}", flush=True)
        use_public_schema()  # whatever schema the step before left the connection in
        run()
    return report(steps, n, options.volume, provision_s)


if __name__ == "__main__":
    sys.exit(main())
