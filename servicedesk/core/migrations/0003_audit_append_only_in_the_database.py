from django.db import migrations

from servicedesk.core.appendonly import guard


class Migration(migrations.Migration):
    """The audit trail refuses UPDATE and DELETE in the database (core.appendonly), as the ticket history does;
    only a removed person's entries lose their link to the account (actor SET_NULL: the name stays)."""

    dependencies = [
        ("core", "0002_audit_trail"),
    ]

    operations = [
        guard("core", "AuditEntry", parent="content_type", nullable=("actor",)),
    ]
