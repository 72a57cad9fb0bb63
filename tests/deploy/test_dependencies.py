"""A production install (docs/deploy.md: `pip install` without the test extra) has what the processes import.

The test environment adds pytest and friends, which pull in packages the desk's own requirements may lack:
kombu's Redis transport imports `packaging`, which only `celery[redis]` brings, and without it the worker and
the scheduler did not start on a fresh machine while every test passed.
"""

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def production_closure() -> set[str]:
    """Every distribution `pip install servicedesk` installs, read from the installed packages' metadata."""
    seen: set[str] = set()
    todo = [("servicedesk", frozenset())]
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
            ):
                continue
            todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_the_broker_transport_dependencies_are_installed_without_the_test_extra():
    closure = production_closure()
    assert {"kombu", "redis", "packaging"} <= closure
    assert "pytest" not in closure
