from django.core.management.base import BaseCommand, CommandError

from servicedesk.core.backup import BackupError, Progress, restore


class Command(BaseCommand):
    help = ("Restore an archive of `servicedesk backup` into this installation, which must be new (migrated, "
            "empty) and of the archive's version; the database engine may differ. docs/backup.md")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to restore.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            manifest = restore(options["file"], using=options["database"], progress=Progress(self.stderr))
        except BackupError as refused:
            raise CommandError(str(refused)) from None
        rows = sum(entry["rows"] for entry in manifest["models"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Restored {rows} rows of {len(manifest['models'])} tables and {len(manifest['files'])} files "
            f"from {options['file']}."))
