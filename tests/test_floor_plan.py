"""The floor plan (README, "Where things are"): each layer imports only the layers below it,
inside functions too, and only the schema helpers and the console switch schema."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "contracts", "inventory", "tickets", "reporting", "console")

# Lowest first. A module belongs to the last layer whose prefix it starts with.
SITE = ("portal.settings", "portal.urls_public", "portal.urls_tenant", "portal.site",
        "portal.stack", "portal.wsgi")
LAYERS = (
    ("foundation", ("portal",)),
    ("contracts", ("contracts",)),
    ("inventory", ("inventory",)),
    ("tickets", ("tickets",)),
    ("reporting", ("reporting",)),
    ("console", ("console",)),
    ("site", SITE),
)
# The only modules that enter a schema; everything else is handed one.
SCHEMA_SWITCHERS = ("portal.tenants.schemas", "console")
SCHEMA_SWITCHES = {"tenant_context", "schema_context", "set_tenant", "set_schema",
                   "set_schema_to_public"}


def _within(module, prefixes):
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def layer_of(module):
    found = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        if _within(module, prefixes):
            found = index
    return found


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _says_why(lines, index):
    """True when the import on line `index` (0-based), or the comment heading its group of
    imports, says why it is there."""
    if "#" in lines[index]:
        return True
    while index > 0 and lines[index - 1].strip().startswith(("from ", "import ")):
        index -= 1
    return index > 0 and lines[index - 1].strip().startswith("#")


def imports_of(path, module):
    """(line, imported module, inside a function, has a comment) for each import of ours."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(inner) for inner in ast.walk(node)
                               if isinstance(inner, ast.Import | ast.ImportFrom))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            # `from x import y` may name a module y of package x.
            targets = [f"{target}.{alias.name}" for alias in node.names] or [target]
        else:
            continue
        commented = _says_why(lines, node.lineno - 1)
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                yield node.lineno, target, id(node) in in_function, commented


def our_modules(root):
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            yield path, module_name(path, root)


def upward_imports(root):
    """Every import of a higher layer by a lower one, as 'module:line -> target'."""
    found = []
    for path, module in our_modules(root):
        here = layer_of(module)
        for line, target, _in_function, _commented in imports_of(path, module):
            there = layer_of(target)
            if here is not None and there is not None and there > here:
                found.append(f"{module}:{line} -> {target}")
    return found


def uncommented_function_imports(root):
    """Imports of our modules inside functions without a comment saying which start-up
    cycle they break."""
    return [f"{module}:{line} -> {target}"
            for path, module in our_modules(root)
            for line, target, in_function, commented in imports_of(path, module)
            if in_function and not commented]


def schema_switches(root):
    found = []
    for path, module in our_modules(root):
        if _within(module, SCHEMA_SWITCHERS):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = (node.id if isinstance(node, ast.Name)
                    else node.attr if isinstance(node, ast.Attribute)
                    else node.names[0].name if isinstance(node, ast.ImportFrom)
                    and len(node.names) == 1 else None)
            if name in SCHEMA_SWITCHES:
                found.append(f"{module}:{node.lineno} {name}")
    return found


def test_no_layer_imports_a_higher_one():
    assert upward_imports(ROOT) == []


def test_imports_inside_functions_say_which_cycle_they_break():
    assert uncommented_function_imports(ROOT) == []


def test_only_the_schema_helpers_and_the_console_switch_schema():
    assert schema_switches(ROOT) == []


@pytest.fixture
def tree(tmp_path):
    def write(relative, source):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(tmp_path).parents:
            if parent != Path("."):
                (tmp_path / parent / "__init__.py").touch()
        path.write_text(source)
    for package in PACKAGES:
        write(f"{package}/__init__.py", "")
    return tmp_path, write


def test_the_contract_catches_a_foundation_module_importing_a_domain_app(tree):
    root, write = tree
    write("portal/users/access.py", "def f():\n    from contracts.models import Customer\n")
    write("contracts/models.py", "from portal.users import access\n")
    assert upward_imports(root) == ["portal.users.access:2 -> contracts.models.Customer"]
    assert uncommented_function_imports(root) == [
        "portal.users.access:2 -> contracts.models.Customer"]


def test_the_contract_catches_relative_and_site_imports(tree):
    root, write = tree
    write("tickets/views.py", "from ..console import crossschema\nfrom portal.site import api\n")
    write("console/crossschema.py", "from tickets import views\nfrom portal.site import demo\n")
    assert sorted(upward_imports(root)) == [
        "console.crossschema:2 -> portal.site.demo",
        "tickets.views:1 -> console.crossschema",
        "tickets.views:2 -> portal.site.api",
    ]


def test_the_contract_catches_a_schema_switch_outside_the_helpers(tree):
    root, write = tree
    write("tickets/tasks.py", "from django_tenants.utils import tenant_context\n"
                              "with tenant_context(p):\n    pass\n")
    write("console/crossschema.py", "from django_tenants.utils import schema_context\n")
    assert schema_switches(root) == ["tickets.tasks:1 tenant_context",
                                     "tickets.tasks:2 tenant_context"]
