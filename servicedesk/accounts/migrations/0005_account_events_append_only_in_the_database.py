import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from servicedesk.core.appendonly import guard


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_group_name_zh"),
    ]

    operations = [
        migrations.AlterField(
            model_name="accountevent",
            name="user",
            field=models.ForeignKey(on_delete=django.db.models.deletion.DO_NOTHING, related_name="account_events",
                                    to=settings.AUTH_USER_MODEL, verbose_name="user"),
        ),
        # Deleting an API token or the person who acted clears those columns (SET_NULL).
        guard("accounts", "AccountEvent", parent="user", nullable=("actor", "token")),
    ]
