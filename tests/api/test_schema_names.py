"""django-ninja names an OpenAPI component after its schema class: two routers with a class of one name share
one component, and one router's responses are then documented with the other's fields (a 409 of the tickets
described as a change's conflict). Every schema class under servicedesk/api has its own name."""

import ast
from collections import Counter
from pathlib import Path

import servicedesk.api

API = Path(servicedesk.api.__file__).parent


def test_every_api_schema_class_has_its_own_name():
    names = Counter()
    for module in sorted(API.glob("*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.ClassDef) and node.bases:
                names[node.name] += 1
    assert names and not [name for name, count in names.items() if count > 1]
