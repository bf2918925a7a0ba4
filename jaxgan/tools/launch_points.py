"""The points of an experiment's `get_sweep()`, one line each, for `./launch.sh sweep`.

  python -m jaxgan.tools.launch_points experiments/mlp_gan_mnist.py

An experiment file may define `get_sweep()` returning a list of {config field: value} dicts,
e.g. `[{"optim.d_lr": 1e-4, "seed": 0}, ...]`. Each printed line is shell words: the point's
short name (its run directory under runs/EXPERIMENT/sweep/), then its `--config.*` flags:

  d_lr=0.0001,seed=0 --config.optim.d_lr=0.0001 --config.seed=0

Every point is applied to the experiment's locked config first, so an unknown field or a
wrong type fails here, in one line, before any run starts. These are separate runs (one
process each); `--config.sweep.*` trains members inside one program instead (jaxgan/sweep.py).
"""

import collections
import importlib.util
import os
import re
import shlex
import sys

from jaxgan.errors import UserError


def load_experiment(path: str):
  """The experiment file as a module (the way --config loads it, with the repo importable)."""
  if not os.path.isfile(path):
    raise UserError(f"{path}: no such experiment file (see experiments/)")
  name = os.path.splitext(os.path.basename(path))[0]
  spec = importlib.util.spec_from_file_location(f"_launch_{name}", path)
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def flag_value(value) -> str:
  """How ml_collections' flag parser wants `value` written: tuples as a,b; bools as True."""
  if isinstance(value, (bool, int, float)):
    return repr(value)
  if isinstance(value, str):
    return value
  if isinstance(value, (tuple, list)):
    return ",".join(flag_value(item) for item in value)
  raise UserError(f"{value!r}: a sweep value must be a number, a string, a bool or a tuple")


def _name_value(value) -> str:
  # %g keeps learning rates short (1e-4 -> 0.0001, 2e-05 -> 2e-05) in directory names.
  text = f"{value:g}" if isinstance(value, float) else flag_value(value)
  return re.sub(r"[^A-Za-z0-9.+_-]", "_", text)


def _short_key(path: str) -> str:
  """optim.d_lr -> d_lr; loss.name -> loss (its `name` says less than its parent)."""
  parts = path.split(".")
  return parts[-2] if parts[-1] == "name" and len(parts) > 1 else parts[-1]


def point_names(points: list[dict]) -> list[str]:
  """Short, distinct names: `key=value,...` by each field's last component (hydra's style)."""
  paths = list(dict.fromkeys(path for point in points for path in point))
  short = {path: _short_key(path) for path in paths}
  # Two fields with the same short name (a.lr, b.lr) keep their full paths.
  counts = collections.Counter(short.values())
  short = {path: key if counts[key] == 1 else path for path, key in short.items()}
  names = [",".join(f"{short[p]}={_name_value(v)}" for p, v in point.items()) or "default"
           for point in points]
  repeated = collections.Counter(names)
  return [f"{name}-{index}" if repeated[name] > 1 else name for index, name in enumerate(names)]


def _check_point(config, index: int, point: dict) -> None:
  """Applies `point` to a copy of the locked config: unknown fields and bad types fail."""
  target = config.copy_and_resolve_references()
  target.lock()
  for path, value in point.items():
    *parents, field = path.split(".")
    node = target
    try:
      for parent in parents:
        node = node[parent]
      if field not in node:
        raise KeyError(path)
      node[field] = value
    except (KeyError, AttributeError):
      raise UserError(f"get_sweep() point {index} sets {path!r}, which the config does not "
                      f"have; use a field of get_config() (see config.json of a run)") from None
    except TypeError as error:
      raise UserError(f"get_sweep() point {index} sets {path}={value!r}: {error}") from None


def sweep_points(path: str) -> list[tuple[str, list[str]]]:
  """[(short name, [--config.* flags])] for every point of `path`'s get_sweep()."""
  module = load_experiment(path)
  if not hasattr(module, "get_sweep"):
    raise UserError(f"{path} defines no get_sweep(); add one returning a list of "
                    f"{{config field: value}} dicts, or use --config.sweep.* for one program")
  points = module.get_sweep()
  if not isinstance(points, (list, tuple)) or not points:
    raise UserError(f"{path}: get_sweep() must return a non-empty list of dicts")
  config = module.get_config()
  for index, point in enumerate(points):
    if not isinstance(point, dict):
      raise UserError(f"{path}: get_sweep() point {index} is {point!r}, not a dict")
    _check_point(config, index, point)
  flags = [[f"--config.{p}={flag_value(v)}" for p, v in point.items()] for point in points]
  return list(zip(point_names(list(points)), flags))


def main(argv: list[str]) -> int:
  if len(argv) != 2:
    print("usage: python -m jaxgan.tools.launch_points EXPERIMENT_FILE.py", file=sys.stderr)
    return 2
  try:
    for name, flags in sweep_points(argv[1]):
      print(shlex.join([name, *flags]))
  except UserError as error:
    print(f"launch.sh: error: {error}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
