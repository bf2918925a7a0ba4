"""The kind interface: what the training loop, the sample/eval/bench modes and sweeps may use.

A kind is a package `jaxgan/kinds/<name>/` whose `__init__.py` exposes `KIND`, a subclass of
`Kind`; `config.kind = "<name>"` selects it (`find_kind`, by importlib, so no core module
names a kind). Nothing outside the kind looks at its state, its batch or its metrics beyond
what these methods return.
"""

import dataclasses
import importlib
import os
from typing import Any, Callable, ClassVar

import jax
import ml_collections
import numpy as np

from jaxgan import checkpoint
from jaxgan import parallel
from jaxgan.errors import UserError

KINDS_PACKAGE = "jaxgan.kinds"

# Salts of `Kind.seed_key`, one per use, so that the keys differ from each other.
SAMPLES_SALT = 0x5A3B1E   # The fixed latents of the periodic sample grids.
EVAL_SALT = 0xE7A1        # The noise behind evaluation samples: the same in every evaluation.


@dataclasses.dataclass(frozen=True)
class Kind:
  """One kind built from one config. Subclasses add their modules and optimizers as fields."""
  config: Any

  # Metrics shown on the progress bar (those the step reports; others are ignored).
  progress_keys: ClassVar[tuple[str, ...]] = ("loss",)
  # What a sweep (jaxgan/sweep.py) may vary: sweep field -> (the config field each member
  # sets, the step's keyword argument that carries it, or None when the value lives in the
  # state, as learning rates do in the optimizer state). configs.base adds `sweep.<field>`.
  sweep_axes: ClassVar[dict[str, tuple[str, str | None]]] = {}
  # Config fields (fnmatch patterns) a resumed run of this kind may change, beyond those in
  # jaxgan/workdir.py RESUME_MAY_CHANGE (num_steps, cadences, eval.*, sample.*, optim.*lr...).
  resume_may_change: ClassVar[tuple[str, ...]] = ()

  # The kind's config module (its config.py): `default_config()` returns the kind's own
  # fields and `validate(config)` checks them. None: the kind has no fields of its own.
  config_module: ClassVar[Any] = None

  # -- config ------------------------------------------------------------------------------
  @classmethod
  def default_config(cls) -> ml_collections.ConfigDict:
    """The kind's own fields (model, loss, optim, ...); configs.base adds the shared ones."""
    if cls.config_module is None:
      return ml_collections.ConfigDict()
    return cls.config_module.default_config()

  @classmethod
  def convolutional(cls, config) -> bool:
    """Whether `config`'s networks are convolutional: sweeps of them on CPU run each member's
    step written out (sweep.members_as=auto), which was measured faster than one vmapped step."""
    del config
    return False

  @classmethod
  def validate_config(cls, config) -> None:
    """Raises UserError (errors.require) for an impossible field of this kind."""
    if cls.config_module is not None:
      cls.config_module.validate(config)

  @classmethod
  def from_config(cls, config) -> "Kind":
    return cls(config=config)

  def seed_key(self, salt: int) -> jax.Array:
    """A key from `config.seed` apart from the state's training key (`EVAL_SALT`, ...): what
    it draws is the same at every step, in every evaluation and after a resume."""
    return jax.random.fold_in(jax.random.PRNGKey(self.config.seed), salt)

  # -- training ----------------------------------------------------------------------------
  def streams(self) -> dict:
    """{stream name: data.spec.Stream}: the data one step consumes; one stream is "train"."""
    raise NotImplementedError

  def init(self):
    """A fresh train state from `config.seed`: a PyTree of arrays with a `step` field (an
    int32 scalar the step increments; the loop reads it to resume and to name files)."""
    raise NotImplementedError

  @property
  def step(self) -> Callable:
    """The pure `(state, batch) -> (state, metrics)`, not yet jitted; `batch[stream][feature]`."""
    raise NotImplementedError

  def with_config_hyperparams(self, state):
    """A restored `state` with this config's values where the config wins on resume (the
    learning rates, which live in the optimizer state)."""
    return state

  def abstract_state(self, mesh):
    """Shapes and shardings of the state: the restore target."""
    return checkpoint.abstract_with_sharding(jax.eval_shape(self.init), parallel.replicated(mesh))

  def init_state(self, mesh):
    return jax.jit(self.init, out_shardings=parallel.replicated(mesh))()

  def jit_step(self, mesh):
    return jax.jit(self.step, donate_argnums=0,
                   in_shardings=(parallel.replicated(mesh), parallel.batch_sharding(mesh)),
                   out_shardings=parallel.replicated(mesh))

  # -- what a run shows and measures -------------------------------------------------------
  def visuals(self, state) -> dict[str, np.ndarray]:
    """{tag: uint8 [H, W, C] picture} drawn every `sample_every` steps (a grid, a strip, a
    plot). The loop writes samples/<tag's folder>/<name>_STEP.png, where the tag "samples"
    (or "x/samples") is named `grid`, and logs it to TensorBoard under the tag."""
    del state
    return {}

  def write_samples(self, state, out_dir: str, key) -> None:
    """--mode=sample: writes `config.sample.num_images` samples drawn with `key` to out_dir."""
    del state, out_dir, key
    raise UserError(f"config.kind={self.config.kind!r} does not generate images; --mode=sample "
                    f"is for generative models")

  def export_function(self, state, use_ema: bool) -> "Exportable":
    """--mode=export: the network a user runs (a generator, a translator), as a pure function
    of named arrays with the trained weights bound, in inference mode."""
    del state, use_ema
    raise UserError(f"config.kind={self.config.kind!r} has no generator to export; "
                    f"--mode=export is for generative models")

  def evaluate(self, state) -> dict[str, float]:
    """Measurements of a state (--mode=eval, config.eval_every); names say what made them,
    e.g. `fid[lenet-mnist]/ema`."""
    del state
    return {}

  @property
  def best_metric(self) -> tuple[str, str] | None:
    """(a key of `evaluate`'s result, "min" | "max"): keeps workdir/best with eval_every."""
    return None

  def write_run_info(self, workdir: str) -> None:
    """Extra files describing the run, written by process 0 beside config.json."""
    del workdir


@dataclasses.dataclass(frozen=True)
class Exportable:
  """What --mode=export writes (jaxgan/export.py): `function(*inputs)` -> one array, where
  `inputs` maps each input's name to (its shape without the batch axis, its dtype) in call
  order; every input and the output carry a leading batch axis of any size."""
  function: Callable
  inputs: dict[str, tuple[tuple[int, ...], str]]
  output: str
  output_shape: tuple[int, ...]  # Without the batch axis.
  description: str               # One line: what the inputs are and what comes out.


def kind_names() -> list[str]:
  """The kinds found: the packages in jaxgan/kinds (and any folder added to its __path__)."""
  package = importlib.import_module(KINDS_PACKAGE)
  return sorted(name for folder in package.__path__ for name in os.listdir(folder)
                if os.path.isfile(os.path.join(folder, name, "__init__.py")))


def find_kind(name: str) -> type[Kind]:
  """The `KIND` of `jaxgan.kinds.<name>`; an unknown name is a one-line UserError."""
  if not isinstance(name, str) or name not in kind_names():
    raise UserError(f"config.kind={name!r}: no such kind; use one of {kind_names()} "
                    f"(the folders in jaxgan/kinds)")
  return importlib.import_module(f"{KINDS_PACKAGE}.{name}").KIND
