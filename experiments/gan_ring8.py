"""Mode collapse on a ring of 8 Gaussians (Metz et al. 2017, Unrolled GANs; VEEGAN; PacGAN).

MLP G and D on 2D points (radius 2, std 0.02). Every `eval_every` steps the EMA and raw
generators draw 2,500 points, scored as in VEEGAN: modes covered (of 8) and the fraction of
high-quality points (within 3 std of a mode). samples/grid_STEP.png plots the points over the
data density. Compare losses:

  python -m jaxgan.main --config=experiments/gan_ring8.py --workdir=runs/ring8_ns
  python -m jaxgan.main --config=experiments/gan_ring8.py --workdir=runs/ring8_minimax \
      --config.loss.name=minimax

or all the losses of get_sweep() at once:  ./launch.sh sweep gan_ring8 --parallel=3
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "ring8"
  c.data.image_shape = (1, 1, 2)    # A point is a 1x1 "image" with 2 channels (data/synthetic.py).
  c.model.architecture = "mlp_2d"
  c.model.latent_dim = 256
  c.batch_size = 512
  c.num_steps = 20_000
  c.optim.g_lr = 1e-4
  c.optim.d_lr = 1e-4
  c.log_every = 500
  c.checkpoint_every = 5_000
  c.sample_every = 5_000
  c.sample.grid_rows = 1            # The "grid" is one plot.
  c.eval_every = 5_000
  c.eval.metrics = ("modes",)
  c.eval.num_samples = 2_500        # VEEGAN / PacGAN's count.
  c.eval.best_metric = "modes_covered"
  return c


def get_sweep():
  """The losses that collapse differently on the ring, each with two seeds (./launch.sh sweep)."""
  return [{"loss.name": loss, "seed": seed}
          for loss in ("non_saturating", "minimax", "hinge", "least_squares") for seed in (0, 1)]
