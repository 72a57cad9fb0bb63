from django.core.management.base import BaseCommand, CommandError

from servicedesk.core.backup import BackupError, Progress, backup


class Command(BaseCommand):
    help = ("Write one consistent archive of the desk (every table, engine-neutral, and every stored file, with "
            "a manifest of counts, versions, migrations and SHA-256 checksums) while the desk runs. docs/backup.md")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive to write (a tar file).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            manifest = backup(options["file"], using=options["database"], progress=Progress(self.stderr))
        except BackupError as refused:
            raise CommandError(str(refused)) from None
        rows = sum(entry["rows"] for entry in manifest["models"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {rows} rows of {len(manifest['models'])} tables and {len(manifest['files'])} files "
            f"to {options['file']}."))
