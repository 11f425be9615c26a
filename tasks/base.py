"""Task base classes."""

from typing import Any

from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask

from opsplatform.schemas import current_schema


class TaskSchemaRefused(Exception):
    """A centre task arrived without a centre's schema (none, public, or one that is gone)."""


class CentreTask(TenantTask):
    """A task that must run inside one centre's schema.

    The schema travels in the message headers (tenant-schemas-celery sets it from the sender's
    connection). A message without one would run in the public schema, where no centre data is;
    such a task is refused rather than run somewhere it was not meant for.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if current_schema() in ("", None, get_public_schema_name()):
            raise TaskSchemaRefused(
                f"Task {self.name} needs a centre's schema; it was sent without one."
            )
        return super().__call__(*args, **kwargs)
