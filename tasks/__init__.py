"""Celery wiring: task base classes, per-centre fan-out and the beat schedule.

The Celery app itself is ``opsplatform.celery.app``.
"""
