"""ring-8 / grid-25 with PacGAN's 2-D networks and protocol, the base of the mode-collapse
result rows (README "Results"; benchmarks/results/mixture_2d.sh trains and scores them).

G: z of 2 dims -> 4 x 400 ReLU -> a point; D: 3 x 200 leaky ReLU (Lin et al. 2018, App. D,
with leaky ReLU for their maxout units); Adam 1e-4 (0.5, 0.999), batch 100. Scored on 2,500
samples as in VEEGAN / PacGAN (a mode is covered by one sample within 3 std of it; the
high-quality fraction is the share of such samples). The plain GAN, then a remedy:

  python -m jaxgan.main --config=experiments/mixture_2d.py --workdir=runs/grid25_plain \\
      --config.data.name=grid25 --config.sweep.seeds=3
  python -m jaxgan.main --config=experiments/mixture_2d.py --workdir=runs/grid25_pac4 \\
      --config.data.name=grid25 --config.sweep.seeds=3 --config.model.pack=4
"""

from experiments import gan_ring8  # pylint: disable=g-bad-import-order


def get_config():
  c = gan_ring8.get_config()      # ring8 data, 2,500-sample mode scoring.
  c.model.architecture = "mlp_2d_pacgan"
  c.model.latent_dim = 2
  c.batch_size = 100
  c.num_steps = 10_000
  c.optim.g_lr = 1e-4
  c.optim.d_lr = 1e-4
  c.log_every = 1_000
  c.checkpoint_every = 5_000
  c.sample_every = 5_000
  c.eval_every = 10_000
  return c
