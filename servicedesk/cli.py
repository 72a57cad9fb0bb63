"""The `servicedesk` console script: Django's manage.py under the desk's own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([os.path.basename(sys.argv[0]) or "servicedesk", *sys.argv[1:]])


if __name__ == "__main__":
    main()
