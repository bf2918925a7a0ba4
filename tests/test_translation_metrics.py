"""Translation metrics on cases with known answers: a perfect translator, the baselines."""

import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxgan.data import mnist_tasks
from jaxgan.translation import samples as image_translation
from jaxgan.translation import metrics as translation


def _eval_config():
  c = ml_collections.ConfigDict()
  c.feature_network, c.lenet_weights, c.random_seed = "lenet-mnist", "", 0
  return c


def test_a_perfect_translator_scores_perfectly_and_the_baseline_does_not():
  source = mnist_tasks.SOURCES["mnist_edges2digit"]("test")
  scorer = translation.TranslationScorer(_eval_config(), (28, 28, 1))
  batches = lambda: image_translation.batches(source, ["source", "target", "label"], 200, 100)
  reference = scorer.reference("edges/test", lambda: (b["target"] for b in batches()))
  results = scorer.score(({**b, "output": b["target"], "baseline": b["source"]}
                          for b in batches()), reference, "identity")
  assert results["l1/output"] == 0 and results["ssim/output"] > 0.999
  assert results["psnr/output"] == np.inf
  assert abs(results["fid[lenet-mnist]/output"]) < 1e-6
  assert results["label_accuracy[lenet-mnist]/output"] > 0.95   # LeNet's own accuracy.
  assert results["l1/identity"] > 0.1 and results["fid[lenet-mnist]/identity"] > 10
  assert results["num_samples/translated"] == 200


def test_triple_grid_lays_groups_side_by_side_and_matches_channels():
  grey = -np.ones((5, 4, 4, 1), np.float32)
  colour = np.ones((5, 4, 4, 3), np.float32)
  grid = image_translation.triple_grid([grey, colour, grey], per_row=2, padding=1)
  assert grid.shape == (3 * 5 + 1, 2 * (12 + 2) + 1, 3)
  assert (grid[1:5, 1:5] == 0).all() and (grid[1:5, 5:9] == 255).all()
  np.testing.assert_array_equal(
      translation.max_channel(jnp.stack([jnp.zeros((2, 2)), jnp.ones((2, 2))], -1))[..., 0],
      jnp.ones((2, 2)))
