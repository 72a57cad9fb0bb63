from django.core.management.base import BaseCommand, CommandError

from servicedesk.accounts import actions
from servicedesk.accounts.identity import system_user
from servicedesk.accounts.models import User
from servicedesk.core import audit
from servicedesk.core.errors import ActionError


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (use it as 'Authorization: Bearer <token>')."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")
        parser.add_argument("--expires-days", type=int, default=None,
                            help="The token stops working after this many days (default: never).")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        try:
            expires_at = (actions.expiry_in_days(options["expires_days"])
                          if options["expires_days"] is not None else None)
            _, raw = actions.issue_token(user, name=options["name"], expires_at=expires_at, actor=system_user(),
                                        channel=audit.Channel.COMMAND)
        except ActionError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
