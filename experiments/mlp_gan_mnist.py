"""The vanilla GAN of Goodfellow et al. (2014): MLP G and D on the shipped MNIST.

  python -m jaxgan.main --config=experiments/mlp_gan_mnist.py --workdir=runs/mlp_gan_mnist
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
