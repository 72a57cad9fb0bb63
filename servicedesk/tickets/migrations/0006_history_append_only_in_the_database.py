import django.db.models.deletion
from django.db import migrations, models

from servicedesk.core.appendonly import guard


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_attachment_type_from_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historyentry",
            name="ticket",
            field=models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="history",
                                    to="tickets.ticket"),
        ),
        guard("tickets", "HistoryEntry", parent="ticket"),
    ]
