"""Task base classes."""

from typing import Any

from django.conf import settings
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask

from opsplatform.schemas import connection_release, current_schema

# Centre tasks this worker process has run since it last released its database connection.
_centre_tasks_on_connection = 0


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

    def after_return(self, *args: Any, **kwargs: Any) -> None:
        """Every ``SCHEMAS_PER_CONNECTION`` centre tasks, a fresh database connection: the
        backend of a worker's long-lived connection would otherwise keep the catalog entries of
        every centre whose task it ran (a backend stays under 300 MB)."""
        global _centre_tasks_on_connection
        super().after_return(*args, **kwargs)
        _centre_tasks_on_connection += 1
        if _centre_tasks_on_connection >= settings.SCHEMAS_PER_CONNECTION:
            _centre_tasks_on_connection = 0
            connection_release()
