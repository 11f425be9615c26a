"""Local development (`make run`): DEBUG and demo mode on unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_FORMAT", "text")

from opsplatform.settings.base import *  # noqa: F403
