"""The service desk. The Celery app is loaded with the package so tasks bind to it."""

from .celery_app import app as celery_app

__all__ = ["celery_app"]
