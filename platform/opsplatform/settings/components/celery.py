"""Celery: Redis as broker and result backend, tasks routed to one named queue."""

from opsplatform.settings.components.environment import (
    CELERY_QUEUE,
    REDIS_URL,
    WORKER_MAX_MEMORY_PER_CHILD_KB,
    WORKER_MAX_TASKS_PER_CHILD,
)

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUEUE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Warsaw"
# Tenant objects are looked up per task; a short cache avoids one query per task.
CELERY_TASK_TENANT_CACHE_SECONDS = 30
# Keep Django's logging (JSON lines with the schema) in worker and beat instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Worker processes are recycled (their memory and their database backend with it) after this many
# tasks or when a task leaves them above this resident size in kB (a worker stays ≤ 400 MB).
CELERY_WORKER_MAX_TASKS_PER_CHILD = WORKER_MAX_TASKS_PER_CHILD
CELERY_WORKER_MAX_MEMORY_PER_CHILD = WORKER_MAX_MEMORY_PER_CHILD_KB
