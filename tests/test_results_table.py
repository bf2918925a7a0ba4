"""The checked-in results tables are what `python -m benchmarks.results.table` makes."""

import importlib.util
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _table_module():
  path = os.path.join(REPO, "benchmarks", "results", "table.py")
  spec = importlib.util.spec_from_file_location("results_table", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_checked_in_tables_equal_what_the_command_makes():
  for path, text in _table_module().generate(REPO).items():
    with open(os.path.join(REPO, path)) as f:
      assert f.read() == text, f"{path} is stale: run python -m benchmarks.results.table"


def test_readme_is_a_short_manual():
  with open(os.path.join(REPO, "README.md")) as f:
    lines = f.read().splitlines()
  assert len(lines) <= 350
  assert max(len(line) for line in lines) <= 120


def test_every_result_is_shown(tmp_path):
  table = _table_module()
  results = table.load(REPO)
  doc = table.results_doc(results, REPO)
  assert all(f'<a id="{r["file"]}"></a>' in doc for r in results)
