"""DCGAN on the shipped MNIST (Radford et al. 2016, at the size of the benchmark spec).

  python -m jaxgan.main --config=experiments/dcgan_mnist.py --workdir=runs/dcgan_mnist
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 64
  c.num_steps = 5_000
  c.log_every = 100
  c.checkpoint_every = 1_000
  c.sample_every = 500
  return c
