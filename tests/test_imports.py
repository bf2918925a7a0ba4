"""The import graph of jaxgan/: no cycle, no import inside a function that dodges one, and no
core module (anything outside jaxgan/kinds/) that imports a kind. Read with ast, nothing run."""

import ast
import os

from jaxgan.tools import floor_plan

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "jaxgan")
KINDS = "jaxgan.kinds"


def modules() -> dict[str, str]:
  """{dotted module name: file} of every .py under jaxgan/ (packages by their __init__)."""
  found = {}
  root = os.path.dirname(PACKAGE_DIR)
  for folder, _, files in os.walk(PACKAGE_DIR):
    for name in files:
      if name.endswith(".py"):
        path = os.path.join(folder, name)
        dotted = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
        found[dotted.removesuffix(".__init__")] = path
  return found


def imports(name: str, path: str, known: dict) -> list[tuple[str, bool]]:
  """(imported jaxgan module, whether the import is at module level) for each import."""
  tree = ast.parse(open(path).read(), path)
  top_level = {id(node) for node in tree.body}
  found = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      targets = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
      base = node.module or ""
      if node.level:  # Relative: from the module's package upwards.
        package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
      targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                 for alias in node.names]
    else:
      continue
    for target in targets:
      while target not in known and "." in target:
        target = target.rsplit(".", 1)[0]
      if target in known and target != name:
        found.append((target, id(node) in top_level))
  return found


def graph() -> tuple[dict[str, set], list[tuple[str, str]]]:
  """({module: modules it imports anywhere}, [(module, target) imported inside a function])."""
  known = modules()
  edges, nested = {name: set() for name in known}, []
  for name, path in known.items():
    for target, at_top in imports(name, path, known):
      edges[name].add(target)
      if not at_top:
        nested.append((name, target))
  return edges, nested


def reaches(edges: dict, start: str, goal: str) -> bool:
  seen, todo = set(), [start]
  while todo:
    node = todo.pop()
    if node == goal:
      return True
    if node not in seen:
      seen.add(node)
      todo.extend(edges[node])
  return False


def cycles(edges: dict) -> list[tuple[str, str]]:
  """Every edge a -> b that lies on a cycle (b reaches a back)."""
  return sorted((a, b) for a, targets in edges.items() for b in targets if reaches(edges, b, a))


def test_the_checker_sees_a_cycle():
  assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
      ("a", "b"), ("b", "c"), ("c", "a")]
  assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_reads_this_package():
  edges, _ = graph()
  assert "jaxgan.interface" in edges["jaxgan.builder"]
  assert "jaxgan.kinds.gan.step" in edges["jaxgan.kinds.gan.kind"]
  assert len(edges) > 50


def test_no_import_cycle():
  # Imports inside functions count: one that would close a cycle at module level still
  # makes the modules depend on each other, which is what this forbids.
  edges, _ = graph()
  assert cycles(edges) == []


def test_no_import_inside_a_function_dodges_a_cycle():
  edges, nested = graph()
  top_level = {a: set(b) for a, b in edges.items()}
  for a, b in nested:
    top_level[a].discard(b)
  dodging = [(a, b) for a, b in nested if reaches(top_level, b, a)]
  assert dodging == []


def test_the_core_never_imports_a_kind():
  edges, _ = graph()
  core_to_kind = sorted((a, b) for a, targets in edges.items() for b in targets
                        if not a.startswith(KINDS) and b.startswith(KINDS))
  assert core_to_kind == []


def test_a_kind_imports_no_other_kind():
  edges, _ = graph()
  crossing = sorted((a, b) for a, targets in edges.items() for b in targets
                    if a.startswith(KINDS + ".") and b.startswith(KINDS + ".")
                    and a.split(".")[2] != b.split(".")[2])
  assert crossing == []


def _kind_of(module: str) -> str | None:
  return module.split(".")[2] if module.startswith(KINDS + ".") else None


def single_kind_core(edges: dict, docstrings: dict) -> list[str]:
  """Core modules imported by exactly one kind and by no core module: they belong in that kind.
  A module is an exception when its docstring has a line starting "Core, though one kind uses
  it:" that says why."""
  importers = {name: set() for name in edges}
  for a, targets in edges.items():
    for b in targets:
      importers[b].add(a)
  found = []
  for name, users in sorted(importers.items()):
    if name.startswith(KINDS) or name == "jaxgan" or name.startswith("jaxgan.tools"):
      continue
    kinds = {_kind_of(user) for user in users if _kind_of(user)}
    core_users = {user for user in users if not user.startswith(KINDS)}
    exception = any(line.strip().startswith(EXCEPTION) for line in docstrings.get(name, "").split("\n"))
    if len(kinds) == 1 and not core_users and not exception:
      found.append(name)
  return found


EXCEPTION = "Core, though one kind uses it:"


def _docstrings() -> dict:
  return {name: ast.get_docstring(ast.parse(open(path).read())) or ""
          for name, path in modules().items()}


def test_the_single_kind_checker_sees_one():
  edges = {"jaxgan.a": set(), "jaxgan.b": set(), "jaxgan.kinds.x.m": {"jaxgan.a", "jaxgan.b"},
           "jaxgan.kinds.y.m": {"jaxgan.b"}}
  assert single_kind_core(edges, {}) == ["jaxgan.a"]
  assert single_kind_core(edges, {"jaxgan.a": f"What.\n\n{EXCEPTION} why."}) == []


def test_the_core_holds_only_what_kinds_share():
  edges, _ = graph()
  assert single_kind_core(edges, _docstrings()) == []


def test_the_floor_plan_in_docs_lists_every_module():
  with open(os.path.join(os.path.dirname(floor_plan.ROOT), "docs", "kinds.md")) as f:
    doc = f.read()
  plan = floor_plan.floor_plan()
  assert plan in doc, "docs/kinds.md: paste the output of python -m jaxgan.tools.floor_plan"
  assert "  builder.py " in plan and "      kind.py " in plan and "floor_plan.py" in plan
