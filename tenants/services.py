"""Writes to the centre registry: provisioning centres from the registry file.

Provisioning is idempotent (a second run with the same registry writes nothing) and fast: a new
centre's schema is made from the template schema ``settings.TENANT_BASE_SCHEMA``, which is kept
migrated here, by replaying the template's rendered DDL (tenants/schema_template.py) instead of
replaying every migration or cloning table by table. Each new centre is created inside one
transaction, and PostgreSQL DDL is transactional, so a failure leaves no schema or row behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, schema_exists

from opsplatform.middleware import forget_cached_domains
from opsplatform.schemas import use_public_schema
from tenants import citus
from tenants.errors import CentreInvalid
from tenants.models import Centre, Domain, ReorganisationProgramme
from tenants.org.models import Team
from tenants.registry import CentreSpec, Registry, TeamSpec
from tenants.schema_template import schema_create
from tenants.spares import spare_take, spares_refill_soon

CENTRE_FIELDS = (
    "name",
    "short_name",
    "teryt_terc",
    "voivodeship",
    "gmina_type",
    "population",
    "population_date",
    "address",
)
PROGRAMME_FIELDS = (*ReorganisationProgramme.FACT_FIELDS, "sources")
TEAM_FIELDS = ("name", "kind", "functions", "order", "name_assumed")


@dataclass
class ProvisionResult:
    slug: str
    created: bool
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def template_schema_ensure() -> bool:
    """Create the template schema if missing and bring it up to the latest migrations.

    Returns True when the schema had to be created. Cheap when it is up to date. Must run before
    cloning, because clones are marked as fully migrated (their migrations are faked).
    """
    template = settings.TENANT_BASE_SCHEMA
    created = False
    if not schema_exists(template):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{template}"')
        created = True
    call_command(
        "migrate_schemas",
        tenant=True,
        schema_name=template,
        interactive=False,
        verbosity=0,
    )
    use_public_schema()
    return created


def registry_validate(*, registry: Registry) -> None:
    """Check every centre of the registry against the models' rules, before anything is written.

    Raises CentreInvalid naming the centre and fields on the first centre that fails.
    """
    for spec in registry.centres:
        centre_validate(spec=spec, registry_version=registry.version)


def centre_validate(*, spec: CentreSpec, registry_version: int) -> None:
    existing = Centre.objects.filter(slug=spec.slug).first()
    centre = existing or Centre(slug=spec.slug, schema_name=spec.slug)
    _assign(centre, _centre_values(spec, registry_version))
    programme = ReorganisationProgramme(centre=centre, **_programme_values(spec))
    errors: dict[str, list[str]] = {}
    for obj, exclude in ((centre, []), (programme, ["centre"])):
        try:
            obj.full_clean(exclude=exclude, validate_unique=obj is centre)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    for team_spec in spec.teams:
        team = Team(code=team_spec.code, **_team_values(team_spec))
        try:
            team.full_clean(exclude=["parent"], validate_unique=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"team[{team_spec.code}].{name}", []).extend(messages)
    if errors:
        raise CentreInvalid(
            _("Ośrodek „%(centre)s” w rejestrze ma błędne dane i nie został utworzony.")
            % {"centre": spec.slug},
            fields=errors,
        )


def registry_apply(*, registry: Registry, base_domain: str) -> list[ProvisionResult]:
    """Bring every centre in the database up to the registry. Validates all centres first."""
    registry_validate(registry=registry)
    citus.setup()  # on Citus: the database's settings and reference tables (a no-op elsewhere)
    template_schema_ensure()
    results = [
        centre_provision(spec=spec, registry_version=registry.version, base_domain=base_domain)
        for spec in registry.centres
    ]
    forget_cached_domains()
    return results


def centre_provision(
    *, spec: CentreSpec, registry_version: int, base_domain: str
) -> ProvisionResult:
    """Create the centre (schema cloned from the template) or update it to match ``spec``."""
    started = time.perf_counter()
    centre_validate(spec=spec, registry_version=registry_version)
    with transaction.atomic():
        centre = Centre.objects.select_for_update().filter(slug=spec.slug).first()
        created = centre is None
        changed: list[str] = []
        if centre is None:
            centre = Centre(slug=spec.slug, schema_name=spec.slug)
            _assign(centre, _centre_values(spec, registry_version))
            centre.save()
            if spare_take(centre.schema_name):
                transaction.on_commit(spares_refill_soon)
            else:
                schema_create(centre.schema_name)
        else:
            changed += _update(centre, _centre_values(spec, registry_version), prefix="")
        changed += _programme_sync(centre, spec)
        changed += _domain_ensure(centre, f"{spec.slug}.{base_domain}")
        with schema_context(centre.schema_name):
            changed += _teams_sync(spec.teams)
    return ProvisionResult(
        slug=spec.slug,
        created=created,
        changed=[] if created else changed,
        seconds=time.perf_counter() - started,
    )


def _centre_values(spec: CentreSpec, registry_version: int) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(spec, name) for name in CENTRE_FIELDS}
    values["registry_version"] = registry_version
    return values


def _programme_values(spec: CentreSpec) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(spec.programme, name) for name in PROGRAMME_FIELDS}
    values["assumed_fields"] = sorted(spec.programme.assumed)
    return values


def _team_values(spec: TeamSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "kind": spec.kind,
        "functions": list(spec.functions),
        "order": spec.order,
        "name_assumed": spec.name_assumed,
    }


def _assign(obj: object, values: dict[str, object]) -> None:
    for name, value in values.items():
        setattr(obj, name, value)


def _update(
    obj: Centre | ReorganisationProgramme | Team, values: dict[str, object], *, prefix: str
) -> list[str]:
    """Set only the fields that differ and save only those; returns their names."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        _assign(obj, {name: values[name] for name in changed})
        obj.save(update_fields=[*changed, "updated_at"])
    return [f"{prefix}{name}" for name in changed]


def _programme_sync(centre: Centre, spec: CentreSpec) -> list[str]:
    values = _programme_values(spec)
    programme = ReorganisationProgramme.objects.filter(centre=centre).first()
    if programme is None:
        ReorganisationProgramme.objects.create(centre=centre, **values)
        return ["programme"]
    return _update(programme, values, prefix="programme.")


def _domain_ensure(centre: Centre, hostname: str) -> list[str]:
    if Domain.objects.filter(tenant=centre, domain=hostname, is_primary=True).exists():
        return []
    Domain.objects.filter(tenant=centre, is_primary=True).update(is_primary=False)
    Domain.objects.update_or_create(
        domain=hostname, defaults={"tenant": centre, "is_primary": True}
    )
    return ["domain"]


def _teams_sync(specs: Iterable[TeamSpec]) -> list[str]:
    """Create or update the centre's units by code (parents first). Units no longer in the
    registry are kept: casework may refer to them, and removing one is a decision for a person."""
    changed: list[str] = []
    by_code = {team.code: team for team in Team.objects.all()}
    ordered = sorted(specs, key=lambda s: (bool(s.parent), s.order))
    for spec in ordered:
        values = _team_values(spec)
        values["parent"] = by_code[spec.parent] if spec.parent else None
        team = by_code.get(spec.code)
        if team is None:
            by_code[spec.code] = Team.objects.create(code=spec.code, **values)
            changed.append(f"team[{spec.code}]")
        else:
            changed += _update(team, values, prefix=f"team[{spec.code}].")
    return changed
