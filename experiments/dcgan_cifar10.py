"""DCGAN on CIFAR-10 (Radford et al. 2016; the 32x32 G/D of the benchmark spec).

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/dcgan_cifar10.py --workdir=runs/dcgan_cifar10
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "cifar10"
  c.data.image_shape = (32, 32, 3)
  c.model.architecture = "dcgan_cifar10"
  c.model.latent_dim = 128
  c.num_steps = 100_000
  c.sample_every = 5_000
  c.checkpoint_every = 5_000
  return c
