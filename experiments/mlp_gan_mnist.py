"""The vanilla GAN of Goodfellow et al. (2014): MLP G and D on the shipped MNIST.

  python -m jaxgan.main --config=experiments/mlp_gan_mnist.py --workdir=runs/mlp_gan_mnist

Sweep (separate runs, see get_sweep):  ./launch.sh sweep mlp_gan_mnist --parallel=2
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "mlp"
  c.model.latent_dim = 64
  c.num_steps = 20_000
  c.sample_every = 2_000
  c.checkpoint_every = 2_000
  return c


def get_sweep():
  """Two learning rates (G and D together) x two seeds, as separate runs (./launch.sh sweep)."""
  return [{"optim.g_lr": lr, "optim.d_lr": lr, "seed": seed}
          for lr in (1e-4, 2e-4) for seed in (0, 1)]
