from django.core.management.base import BaseCommand, CommandError

from servicedesk.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (use it as 'Authorization: Bearer <token>')."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is disabled.")
        _, raw = ApiToken.issue(user, name=options["name"])
        self.stdout.write(raw)
