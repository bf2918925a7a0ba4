"""Trains the `mmnist-c3d` feature network on Moving MNIST and writes its weight file.

  nice -n 5 python -m jaxgan.kinds.video_gan.train_c3d --steps=1800     # the shipped file
  python -m jaxgan.kinds.video_gan.train_c3d --eval_only                 # its test accuracy

Batches come from the training split of --variants (by default moving_mnist_small only:
the 2-digit 64x64 moving_mnist costs three times as much per clip, more than this project's
CPU could give when the shipped file was made; --variants=moving_mnist_small,moving_mnist
alternates two batches of the first with one of the second); accuracy is measured on the test split, whose digits
the network never saw. Writes jaxgan/kinds/video_gan/weights/mmnist_c3d.msgpack (or --out) and prints
its sha256: put that in video_features.C3D_SHA256, and redo the README numbers it made.
"""

import functools
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.data import moving_mnist
from jaxgan.kinds.video_gan import c3d_features as video_features
from jaxgan.kinds.video_gan import c3d

VARIANTS = ("moving_mnist_small", "moving_mnist")


def targets(batch) -> tuple[np.ndarray, np.ndarray]:
  """Multi-hot [N, 10] digit classes present and [N, 8] initial headings present."""
  n = len(batch["labels"])
  digits = np.zeros((n, c3d.NUM_DIGITS), np.float32)
  headings = np.zeros((n, c3d.NUM_DIRECTIONS), np.float32)
  rows = np.arange(n)[:, None]
  digits[rows, batch["labels"]] = 1.0
  headings[rows, batch["directions"]] = 1.0
  return digits, headings


def to_clips(frames_uint8) -> np.ndarray:
  return frames_uint8.astype(np.float32) * (2.0 / 255.0) - 1.0


def loss_fn(params, clips, digits, headings):
  out = c3d.C3D().apply({"params": params}, clips)
  return (optax.sigmoid_binary_cross_entropy(out["digit_logits"], digits).sum(-1).mean()
          + optax.sigmoid_binary_cross_entropy(out["direction_logits"], headings).sum(-1).mean())


@functools.partial(jax.jit, static_argnums=0)
def train_step(tx, params, opt_state, clips, digits, headings):
  loss, grads = jax.value_and_grad(loss_fn)(params, clips, digits, headings)
  updates, opt_state = tx.update(grads, opt_state, params)
  return optax.apply_updates(params, updates), opt_state, loss


def _top_k_hits(logits, truth) -> int:
  """Clips whose k highest logits are exactly their true set, k = the size of that set."""
  k = truth.sum(-1).astype(int)
  ranks = np.argsort(np.argsort(-logits, axis=-1), axis=-1)  # 0 for the highest logit.
  return int(np.sum(np.all((ranks < k[:, None]) == (truth > 0), -1)))


def set_accuracy(params, name: str, num: int = 1000, batch_size: int = 200) -> dict:
  """On `num` test clips: how often the predicted sets (logit > 0) equal the true ones
  (`*_set_accuracy`), and how often the k highest logits are the true set of k
  (`*_top_accuracy`; chance is 1/10 for one digit, 1/8 for one heading)."""
  source = moving_mnist.MovingMnistSource(name, "test")
  apply = jax.jit(c3d.C3D().apply)
  hits = dict.fromkeys(("digit_set", "direction_set", "digit_top", "direction_top"), 0)
  for start in range(0, num, batch_size):
    batch = source.batch(range(start, min(start + batch_size, num)))
    out = apply({"params": params}, to_clips(batch["frames"]))
    for key, truth in zip(("digit", "direction"), targets(batch)):
      logits = np.asarray(out[f"{key}_logits"])
      hits[f"{key}_set"] += int(np.sum(np.all((logits > 0) == (truth > 0), -1)))
      hits[f"{key}_top"] += _top_k_hits(logits, truth)
  return {f"{key}_accuracy": value / num for key, value in hits.items()}


def train(steps: int, batch_size: int, seed: int, variants=VARIANTS, lr: float = 1e-3,
          log_every: int = 50, out: str = ""):
  """The trained parameters; every `log_every` steps they are also written to `out` (if
  given), so a run stopped early leaves usable weights."""
  sources = [moving_mnist.MovingMnistSource(n, "train") for n in variants]
  params = c3d.C3D().init(jax.random.PRNGKey(seed), jnp.zeros((1, 4, 32, 32, 1)))["params"]
  tx = optax.adam(optax.cosine_decay_schedule(lr, steps))
  opt_state = tx.init(params)
  rng = np.random.default_rng(seed)
  start = time.time()
  for step in range(steps):
    source = sources[1 if len(sources) > 1 and step % 3 == 2 else 0]
    batch = source.batch(rng.integers(0, len(source), batch_size))
    params, opt_state, loss = train_step(tx, params, opt_state, to_clips(batch["frames"]),
                                         *targets(batch))
    if step % log_every == 0 or step == steps - 1:
      print(f"step {step} loss {float(loss):.4f} ({time.time() - start:.0f} s)", flush=True)
      if out:
        video_features.save(params, out)
  return params


def main(argv):
  del argv
  from absl import flags  # pylint: disable=import-outside-toplevel  (only the script has flags)
  f = flags.FLAGS
  if f.eval_only:  # Measure a written file (e.g. of a run stopped early) without training.
    variables, digest = video_features.load(f.out, expected_sha256="")
    params = variables["params"]
    print(f"read {f.out}: sha256 {digest}")
  else:
    params = train(f.steps, f.batch_size, f.seed, f.variants, lr=f.lr, out=f.out)
    digest = video_features.save(params, f.out)
    print(f"wrote {f.out}: sha256 {digest}")
  for name in VARIANTS:
    print(name, "test", set_accuracy(params, name, f.eval_clips))


if __name__ == "__main__":
  from absl import app
  from absl import flags
  flags.DEFINE_integer("steps", 1800, "Training steps.")
  flags.DEFINE_integer("batch_size", 32, "Clips per step.")
  flags.DEFINE_float("lr", 1e-3, "Peak Adam learning rate (cosine decay to 0 over --steps).")
  flags.DEFINE_integer("seed", 0, "Initialisation and batch-order seed.")
  flags.DEFINE_string("out", video_features.C3D_WEIGHTS, "Where to write the msgpack file.")
  flags.DEFINE_list("variants", ["moving_mnist_small"], "Moving MNIST variants to train on.")
  flags.DEFINE_bool("eval_only", False, "Only measure the test accuracy of the --out file.")
  flags.DEFINE_integer("eval_clips", 1000, "Test clips per variant for the accuracy.")
  app.run(main)
