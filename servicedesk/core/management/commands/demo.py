"""`servicedesk demo`: a desk to try, in Asia/Shanghai, with people, groups, a bilingual catalogue,
canned responses and macros per group, and about fifty tickets in every state. Idempotent: running it
again changes nothing that exists.

The desk is put together from every installed app's own `demo` module. An app contributes its part
with a module `<app>/demo.py` holding:
- `load(demo: Demo)`: its records, inside the one transaction the whole desk is loaded in; idempotent
  (what exists is left as it is);
- `AFTER` (optional): the labels of the apps whose parts it uses, loaded before it;
- `finish(demo: Demo)` (optional): work after the transaction committed (derived data).
Parts load in INSTALLED_APPS order, an app's `AFTER` first. Core names no app: it finds them here.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction


@dataclass
class Demo:
    """What the parts hand on to each other and what the command reports."""
    full: bool  # with the tickets and what only they need (not `--no-tickets`)
    people: dict = field(default_factory=dict)  # username → user
    groups: dict = field(default_factory=dict)  # name → group
    categories: list = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (username, role) as the command lists them
    password: str = ""
    tickets_added: int = 0


def parts() -> list[ModuleType]:
    """Every installed app's demo module, each after the apps it names in `AFTER`."""
    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("servicedesk."):
            continue  # another library's `demo` is none of ours
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is not None:
            found[config.label] = importlib.import_module(name)
    ordered: list[ModuleType] = []

    def add(label: str, path: tuple[str, ...]) -> None:
        module = found[label]
        if module in ordered:
            return
        if label in path:
            raise ValueError(f"demo modules depend on each other in a cycle: {' → '.join((*path, label))}")
        for before in getattr(module, "AFTER", ()):
            add(before, (*path, label))
        ordered.append(module)

    for label in found:
        add(label, ())
    return ordered


class Command(BaseCommand):
    help = "Load the demo desk (idempotent). Every demo login's password is demo-pass-123."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="Load only into a desk that has no users yet (what `make run` does).")
        parser.add_argument("--no-tickets", action="store_true", help="People, groups and catalogue only.")

    def handle(self, *args, **options):
        # The desk's system identity is made by a migration: a fresh desk has that account and nobody else.
        people = get_user_model().objects.exclude(username=settings.SERVICEDESK_SYSTEM_USERNAME)
        if options["if_empty"] and people.exists():
            self.stdout.write("The desk already has users; demo data not loaded.")
            return
        demo = Demo(full=not options["no_tickets"])
        loaded = parts()
        with transaction.atomic():
            for part in loaded:
                part.load(demo)
        for part in loaded:
            if hasattr(part, "finish"):
                part.finish(demo)
        self.stdout.write(f"Demo desk ready ({demo.tickets_added} tickets added). Logins, password {demo.password}:")
        for username, role in demo.logins:
            self.stdout.write(f"  {username:<10} {role}")
