"""Sweeps inside one program: K members of any kind trained at once, by vmapping its step or
by writing each member's step out (`sweep.members_as`).

`--config.sweep.seeds=4 --config.sweep.d_lr=1e-4,2e-4` trains 8 members, every listed
value times seeds `seed, seed+1, ...` (seeds vary fastest). What can be listed is the kind's
(`Kind.sweep_axes`; the GAN: g_lr, d_lr, penalty_weight, ema_decay). The state is each
member's state stacked on a leading axis; one step is the kind's own step over it, so
the training loop, checkpoints and resume are the single-run ones and the loop cannot tell a
sweep from a run. Swept hyperparameters reach the step as traced per-member numbers: learning
rates live in the optimizer state (`optax.inject_hyperparams`, see jaxgan/optimizers.py);
others (the penalty weight, the EMA decay) are passed to the step as keyword arguments. All
members see the same batches (the data order of `config.seed`); their seeds set their
initialisation and their noise.

Member i logs as `member_i/d_loss`, draws under `samples/member_i/`, and
`--mode=export_member --config.sweep.member=i` writes it as an ordinary single-run
checkpoint (`export_member`).
"""

import dataclasses
import inspect
import itertools
import json
import os

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgan import checkpoint
from jaxgan import interface
from jaxgan import parallel
from jaxgan.errors import UserError
from jaxgan.errors import require

# The sweep block's own fields; every other field of it is an axis of the kind
# (`Kind.sweep_axes`: g_lr, d_lr, penalty_weight, ema_decay for the GAN).
GENERIC_FIELDS = ("seeds", "member", "members_as")

# The axes of a kind that trains a generator against a discriminator with the adversarial
# step's keywords (the GAN, the video GAN): sweep field -> (config field, step keyword or None).
ADVERSARIAL_AXES = {
    "g_lr": ("optim.g_lr", None),
    "d_lr": ("optim.d_lr", None),
    "penalty_weight": ("penalty.weight", "penalty_weight"),
    "ema_decay": ("optim.ema_decay", "ema_decay"),
}
MEMBERS_AS = ("auto", "vmap", "unroll")


def generic_fields() -> ml_collections.ConfigDict:
  """The `sweep` block every config has; configs.base adds the kind's axes to it."""
  s = ml_collections.ConfigDict()
  s.seeds = 1                       # Seeds seed, seed+1, ... per hyperparameter point.
  s.member = -1                     # --mode=export_member: the member to export.
  # How one program runs the members: vmap (one batched step), unroll (each member's own step
  # written out, one after another), auto (unroll on CPU for the networks the kind calls
  # convolutional, `Kind.convolutional`, where that ran faster: docs/performance.md;
  # vmap elsewhere).
  s.members_as = "auto"
  return s


def members_as(config, backend: str | None = None) -> str:
  """`sweep.members_as` resolved for this backend: "vmap" or "unroll"."""
  chosen = config.sweep.get("members_as", "auto")
  if chosen != "auto":
    return chosen
  backend = backend or jax.default_backend()
  if backend == "cpu" and interface.find_kind(config.kind).convolutional(config):
    return "unroll"
  return "vmap"


def axes_config(kind) -> ml_collections.ConfigDict:
  """`sweep.<field> = ()` for each of the kind's axes, e.g. --config.sweep.d_lr=1e-4,2e-4."""
  s = ml_collections.ConfigDict()
  for field in kind.sweep_axes:
    s[field] = ()
  return s


def _axes(config) -> dict:
  return interface.find_kind(config.kind).sweep_axes


def is_sweep(config) -> bool:
  sweep = config.get("sweep")
  return sweep is not None and (sweep.seeds != 1 or any(
      len(values) for field, values in sweep.items() if field not in GENERIC_FIELDS))


def members(config) -> list[dict]:
  """Each member's overrides, {config field: value}, in member order."""
  axes = [[(path, value) for value in config.sweep[field]]
          for field, (path, _) in _axes(config).items() if len(config.sweep[field])]
  seeds = [("seed", config.seed + i) for i in range(config.sweep.seeds)]
  return [dict(point + (seed,)) for point in itertools.product(*axes) for seed in seeds]


def _set(config, path: str, value) -> None:
  *parents, name = path.split(".")
  for parent in parents:
    config = config[parent]
  config[name] = value


def member_config(config, overrides: dict):
  """The single-run config of one member: `config` with `overrides` and no sweep."""
  member = config.copy_and_resolve_references()
  for path, value in overrides.items():
    _set(member, path, value)
  member.sweep.seeds, member.sweep.member = 1, -1
  for field in member.sweep:
    if field not in GENERIC_FIELDS:
      member.sweep[field] = ()
  return member


def validate(config, validate_kind) -> None:
  """The sweep block, then every member's config as its kind checks a single run."""
  sweep = config.sweep
  require(isinstance(sweep.seeds, int) and sweep.seeds >= 1, "sweep.seeds", sweep.seeds,
          "must be a positive integer")
  require(sweep.get("members_as", "auto") in MEMBERS_AS, "sweep.members_as",
          sweep.get("members_as", "auto"), f"must be one of {MEMBERS_AS}")
  for field in _axes(config):
    values = sweep[field]
    require(isinstance(values, tuple) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values),
            f"sweep.{field}", values, "must be numbers, e.g. 1e-4,2e-4")
  count = len(members(config)) if is_sweep(config) else 1
  require(isinstance(sweep.member, int) and -1 <= sweep.member < count, "sweep.member",
          sweep.member, f"must name one of the {count} members (0..{count - 1})")
  if count == 1 and not is_sweep(config):
    return
  for index, overrides in enumerate(members(config)):
    try:
      validate_kind(member_config(config, overrides))
    except UserError as error:
      raise UserError(f"sweep member {index} ({_describe(overrides)}): {error}") from None


def _describe(overrides: dict) -> str:
  return ", ".join(f"{path}={value}" for path, value in overrides.items())


def _stack(trees):
  return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


def _member(tree, index: int):
  return jax.tree.map(lambda leaf: leaf[index], tree)


@dataclasses.dataclass(frozen=True)
class SweepKind(interface.Kind):
  """K members of one kind; its state is theirs stacked, its step theirs vmapped or unrolled."""
  overrides: tuple = ()            # Each member's {config field: value}.
  member_experiments: tuple = ()   # One experiment per member (its init and its config).
  step_args: tuple = ()            # (step argument, per-member float32 values) pairs.

  @classmethod
  def from_config(cls, config) -> "SweepKind":
    overrides = members(config)
    kind = interface.find_kind(config.kind)
    exps = tuple(kind.from_config(member_config(config, o)) for o in overrides)
    step_args = tuple(
        (arg, np.asarray([o[path] for o in overrides], np.float32))
        for field, (path, arg) in kind.sweep_axes.items() if arg and len(config.sweep[field]))
    accepted = inspect.signature(exps[0].step).parameters
    for arg, _ in step_args:
      if arg not in accepted:  # A kind declared an axis its step does not take.
        raise UserError(f"config.sweep: config.kind={config.kind!r} has no {arg!r} to sweep; "
                        f"sweep {sorted(f for f, (_, a) in kind.sweep_axes.items() if not a or a in accepted)} "
                        f"instead")
    return cls(config=config, overrides=tuple(overrides), member_experiments=exps,
               step_args=step_args)

  @property
  def base(self) -> interface.Kind:
    return self.member_experiments[0]

  @property
  def size(self) -> int:
    return len(self.member_experiments)

  @property
  def progress_keys(self) -> tuple[str, ...]:
    return tuple(f"member_0/{key}" for key in self.base.progress_keys)

  def streams(self) -> dict:
    # All members see the same batches: the data order of config.seed (member 0's).
    return self.base.streams()

  def init(self):
    # Each member's own init, so member i starts exactly as the single run of its config.
    return _stack([e.init() for e in self.member_experiments])

  def with_config_hyperparams(self, state):
    return _stack([e.with_config_hyperparams(_member(state, i))
                   for i, e in enumerate(self.member_experiments)])

  @property
  def step(self):
    base_step, names = self.base.step, [arg for arg, _ in self.step_args]
    values = [value for _, value in self.step_args]

    def member_step(state, batch, *args):
      return base_step(state, batch, **dict(zip(names, args)))

    def vmapped(state, batch):
      return jax.vmap(member_step, in_axes=(0, None, *[0] * len(values)))(state, batch, *values)

    def unrolled(state, batch):
      # The same work as separate runs, in one program; its compile time grows with K.
      outputs = [member_step(_member(state, i), batch, *[value[i] for value in values])
                 for i in range(self.size)]
      return _stack([s for s, _ in outputs]), _stack([m for _, m in outputs])

    members_step = unrolled if members_as(self.config) == "unroll" else vmapped

    def step(state, batch):
      states, metrics = members_step(state, batch)
      return states, {f"member_{i}/{name}": value[i]
                      for i in range(self.size) for name, value in metrics.items()}
    return step

  def jit_step(self, mesh):
    # jax's vmap rule for a conv whose input and kernel both carry the member axis folds that
    # axis into the channels with a reshape that an explicitly `data`-sharded batch refuses
    # (ShardingTypeError); so the members see the batch replicated (free on one device).
    step, replicated = self.step, parallel.replicated(mesh)

    def replicated_batch_step(state, batch):
      return step(state, jax.sharding.reshard(batch, replicated))
    return jax.jit(replicated_batch_step, donate_argnums=0,
                   in_shardings=(replicated, parallel.batch_sharding(mesh)),
                   out_shardings=replicated)

  def visuals(self, state) -> dict:
    """Every member's pictures under member_i/, all drawn by member 0's experiment: the same
    fixed latents for all, and one compiled sampler instead of K."""
    return {f"member_{i}/{tag}": picture for i in range(self.size)
            for tag, picture in self.base.visuals(_member(state, i)).items()}

  def evaluate(self, state) -> dict[str, float]:
    return {f"member_{i}/{name}": value
            for i, e in enumerate(self.member_experiments)
            for name, value in e.evaluate(_member(state, i)).items()}

  def write_samples(self, state, out_dir, key) -> None:
    del state, out_dir, key
    raise UserError("--mode=sample reads single runs; export a member first with "
                    "--mode=export_member --config.sweep.member=I")

  def write_run_info(self, workdir: str) -> None:
    with open(os.path.join(workdir, "sweep_members.json"), "w") as f:
      json.dump(self.describe(), f, indent=2)

  def describe(self) -> list[dict]:
    return [{"member": i, **o} for i, o in enumerate(self.overrides)]


def export_member(config, workdir: str, member: int, out_dir: str | None = None) -> str:
  """Writes member `member` of the sweep in `workdir` as a single-run checkpoint (with its
  config.json) in `out_dir` (default workdir/members/member_I); returns that directory."""
  if not is_sweep(config):
    raise UserError("--mode=export_member needs the sweep's config (config.sweep.*) as trained")
  exp = SweepKind.from_config(config)
  if not 0 <= member < exp.size:
    raise UserError(f"config.sweep.member={member}: must name one of the {exp.size} members "
                    f"(0..{exp.size - 1})")
  mesh = parallel.make_mesh()
  source = checkpoint.Checkpointer(workdir, create=False)
  step = None if config.sample.checkpoint_step < 0 else config.sample.checkpoint_step
  restored = source.restore(exp.abstract_state(mesh), step=step)
  source.close()
  if restored is None:
    raise UserError(f"no checkpoint in {source.directory}; train the sweep first")
  state, data_state = restored
  single = member_config(config, exp.overrides[member])
  out_dir = out_dir or os.path.join(workdir, "members", f"member_{member}")
  target = checkpoint.Checkpointer(out_dir)
  target.save(int(state.step[member]), _member(state, member), data_state)
  target.close()
  if jax.process_index() == 0:
    with open(os.path.join(out_dir, "config.json"), "w") as f:
      f.write(single.to_json_best_effort(indent=2, sort_keys=True))
    with open(os.path.join(out_dir, "member.json"), "w") as f:
      json.dump({"member": member, "sweep_workdir": os.path.abspath(workdir),
                 "overrides": exp.overrides[member]}, f, indent=2)
  return out_dir
