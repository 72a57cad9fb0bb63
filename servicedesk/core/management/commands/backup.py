from django.core.management.base import BaseCommand, CommandError

from servicedesk.core.backup import BackupError, Progress, backup


class Command(BaseCommand):
    help = ("Write one consistent archive of the desk (every table, engine-neutral, and every stored file, with "
            "a manifest of counts, versions, migrations and SHA-256 checksums) while the desk runs. docs/backup.md")
    run = staticmethod(backup)
    done = "Backed up {rows} rows of {tables} tables and {files} files to {file}."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The archive (a tar file).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        try:
            manifest = self.run(options["file"], using=options["database"], progress=Progress())
        except BackupError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(self.style.SUCCESS(self.done.format(
            rows=sum(entry["rows"] for entry in manifest["models"].values()), tables=len(manifest["models"]),
            files=len(manifest["files"]), file=options["file"])))
