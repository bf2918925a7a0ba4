"""Prints the floor plan of `jaxgan/`: every module and package, one line each, with the
first line of its docstring; docs/kinds.md carries the output (a test keeps them equal).

  python -m jaxgan.tools.floor_plan
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME_WIDTH = 30
LINE_WIDTH = 119


def summary(path: str) -> str:
  """The first line of the module's docstring ('' without one)."""
  with open(path, encoding="utf-8") as f:
    doc = ast.get_docstring(ast.parse(f.read())) or ""
  return doc.strip().splitlines()[0] if doc.strip() else ""


def _line(depth: int, name: str, text: str) -> str:
  head = "  " * depth + name
  return (head.ljust(NAME_WIDTH) + " " + text if text else head)[:LINE_WIDTH].rstrip()


def lines(folder: str = ROOT, depth: int = 0) -> list[str]:
  """The tree under `folder`: its modules first, then its packages, each sorted by name."""
  entries = sorted(os.listdir(folder))
  out = []
  for name in entries:
    if name.endswith(".py") and name != "__init__.py":
      out.append(_line(depth + 1, name, summary(os.path.join(folder, name))))
  for name in entries:
    package = os.path.join(folder, name)
    init = os.path.join(package, "__init__.py")
    if os.path.isfile(init):
      out.append(_line(depth + 1, name + "/", summary(init)))
      out.extend(lines(package, depth + 1))
  return out


def floor_plan() -> str:
  return "\n".join(["jaxgan/"] + lines())


if __name__ == "__main__":
  print(floor_plan())
