"""What a config builds: `build(config)` is the kind `config.kind` names, or a sweep of it.

Training, sampling, evaluation and benchmarking all start from `build(config)`, so they agree
on the model. The interface every kind implements is `Kind` (jaxgan/interface.py); a kind is
one folder, jaxgan/kinds/<name>/, found by name.
"""

from jaxgan import interface
from jaxgan import sweep

Kind = interface.Kind
find_kind = interface.find_kind


def build(config) -> Kind:
  """The kind's class (or a sweep of it) built from a validated `config` (configs.validate)."""
  if sweep.is_sweep(config):
    return sweep.SweepKind.from_config(config)
  return find_kind(config.kind).from_config(config)
