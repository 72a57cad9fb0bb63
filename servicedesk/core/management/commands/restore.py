from servicedesk.core.backup import restore

from . import backup


class Command(backup.Command):
    help = ("Restore an archive of `servicedesk backup` into this installation, which must be new (migrated, "
            "empty) and of the archive's version; the database engine may differ. docs/backup.md")
    run = staticmethod(restore)
    done = "Restored {rows} rows of {tables} tables and {files} files from {file}."
