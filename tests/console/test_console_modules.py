"""The console's modules import one another without a cycle (console/queues.py once imported quicklog
and savedviews at its bottom, which imported it back)."""

import ast
from pathlib import Path

import servicedesk.console

CONSOLE = Path(servicedesk.console.__file__).parent


def console_imports(path: Path) -> set[str]:
    """The console modules a module imports at its top level (imports inside functions run later)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1 or node.module == "servicedesk.console":
                found |= {alias.name for alias in node.names}
            elif (node.module or "").startswith("servicedesk.console."):
                found.add(node.module.split(".")[2])
    return {name for name in found if (CONSOLE / f"{name}.py").exists()}


def test_no_import_cycle_among_the_console_modules():
    graph = {path.stem: console_imports(path) for path in CONSOLE.glob("*.py")}
    assert "ticket_search" in graph["urls"]  # the reader sees relative imports
    done, path = set(), []

    def visit(name):
        assert name not in path, " → ".join([*path[path.index(name):], name])
        if name in done:
            return
        path.append(name)
        for other in sorted(graph[name]):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
