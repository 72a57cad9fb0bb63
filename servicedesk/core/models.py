from django.db import models


class ReferenceVersion(models.Model):
    """One row: a counter bumped in the same transaction as any change to cached reference data
    (core.refdata), so every process sees the change with its commit, whatever cache it uses."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
