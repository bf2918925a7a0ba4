"""Scores a trained GAN run's generator under sampling tricks: z scaled by psi (truncation
by shrinking) and discriminator rejection (draw 1/keep times as many samples, keep the
fraction D scores highest). Each variant is scored like --mode=eval (10,000 samples, the
eval noise, fid / is / pr / class_shares), one JSON line each.

  python benchmarks/sampling_tricks.py runs/b32 ema:psi=1.0 ema:psi=0.8 ema:keep=0.5
"""

import json
import sys

import jax
import jax.numpy as jnp

from jaxgan import interface
from jaxgan import train
from jaxgan.score import inputs


def _parse(variant: str) -> tuple[bool, float, float]:
  """'ema:psi=0.8,keep=0.5' -> (use_ema, psi, keep)."""
  which, _, options = variant.partition(":")
  if which not in ("ema", "raw"):
    raise SystemExit(f"{variant!r}: start with ema: or raw:")
  values = dict(item.split("=") for item in options.split(",") if item)
  return which == "ema", float(values.get("psi", 1.0)), float(values.get("keep", 1.0))


def main(workdir: str, variants: list[str]) -> None:
  config = inputs.saved_config(workdir)
  config.eval.metrics = ("fid", "is", "pr", "class_shares")
  config.eval.num_samples = 10_000
  kind, state = train.restore_for_inference(config, workdir)
  key = kind.seed_key(interface.EVAL_SALT)
  d_variables = {"params": state.d.params, **state.d.collections}

  @jax.jit
  def d_logits(x):
    out = kind.discriminator.apply(d_variables, x, None, train=False)
    return out[0] if isinstance(out, tuple) else out

  for variant in variants:
    use_ema, psi, keep = _parse(variant)
    variables = kind.sampling_variables(state, use_ema)

    def sample_batch(index, size, variables=variables, psi=psi, keep=keep):
      drawn = int(round(size / keep))
      z, _ = kind.fixed_latents(drawn, drawn, jax.random.fold_in(key, index))
      images = kind.apply_generator(*variables, psi * z, None)
      if keep < 1.0:
        images = images[jnp.argsort(-d_logits(images))[:size]]
      return images, None

    results = kind.evaluator.evaluate(sample_batch, "ema" if use_ema else "raw")
    print(variant, json.dumps({k: round(float(v), 4) for k, v in results.items()
                               if "/class_" not in k}), flush=True)


if __name__ == "__main__":
  if len(sys.argv) < 3:
    raise SystemExit(__doc__)
  main(sys.argv[1], sys.argv[2:])
