"""Why an MNIST GAN scores what it scores: class balance and confidence of its samples.

Loads a run's checkpoint and, for the raw and the EMA generator, sampled with the running
BatchNorm statistics, with each batch's own statistics and with standing statistics (those
of 1,024 samples of these weights, what the EMA generator samples with when
`optim.ema_bn_samples` is 1,024), prints lenet-mnist's class histogram of N samples, the mean top-class
probability, the fraction classified with p > 0.9, and FID / IS of those N samples against
the cached train statistics. A low IS with a flat histogram means unclear digits; a skewed
histogram means dropped or over-produced digits (lenet-FID punishes both).

  python benchmarks/diagnose_gan.py --config=experiments/dcgan_mnist.py --workdir=runs/x \
      --num=2000
"""

import json
import sys

from absl import app
from absl import flags
import jax
import numpy as np
from ml_collections import config_flags

from jaxgan import train
from jaxgan.metrics import evaluator as evaluator_lib
from jaxgan.metrics.frechet import frechet_distance
from jaxgan.metrics.inception_score import inception_score
from jaxgan.metrics.stats import RunningMoments

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Run directory.")
_NUM = flags.DEFINE_integer("num", 2000, "Samples per generator.")


def main(_):
  config = _CONFIG.value
  exp, state = train.restore_for_inference(config, _WORKDIR.value)
  ev = evaluator_lib.Evaluator(config, exp.image_shape)
  ref = ev.reference()
  key = jax.random.PRNGKey(123)
  rows = {}
  for tag, use_ema in (("raw", False), ("ema", True)):
    params = state.ema_params if use_ema else state.g.params
    standing = exp.standing_collections(state, params)
    for stats in ("running", "batch", "standing"):
      moments, logits = RunningMoments(), []
      for i in range(0, _NUM.value, 500):
        z, labels = exp.fixed_latents(500, 500, jax.random.fold_in(key, i))
        variables = {"params": params, **state.g.collections}
        if stats == "running":
          images = exp.generator.apply(variables, z, labels, train=False)
        elif stats == "standing":
          images = exp.generator.apply({"params": params, **standing}, z, labels, train=False)
        else:
          images, _ = exp.generator.apply(variables, z, labels, train=True,
                                          mutable=list(state.g.collections))
        out = ev.extractor(images)
        moments.update(out["features"])
        logits.append(out["logits"])
      logits = np.concatenate(logits)
      probs = np.exp(logits - logits.max(-1, keepdims=True))
      probs /= probs.sum(-1, keepdims=True)
      mu, sigma = moments.result()
      rows[f"{tag}/{stats}"] = {
          "fid": round(float(frechet_distance(mu, sigma, ref["mu"], ref["sigma"])), 2),
          "is": round(float(inception_score(logits)["mean"]), 3),
          "class_hist": np.bincount(probs.argmax(-1), minlength=10).tolist(),
          "mean_top_p": round(float(probs.max(-1).mean()), 3),
          "frac_p>0.9": round(float((probs.max(-1) > 0.9).mean()), 3),
      }
      print(f"{tag}/{stats}", json.dumps(rows[f"{tag}/{stats}"]), flush=True)


if __name__ == "__main__":
  flags.mark_flags_as_required(["config", "workdir"])
  app.run(main)
