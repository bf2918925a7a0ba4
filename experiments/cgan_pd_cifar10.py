"""Conditional GAN with a projection discriminator on CIFAR-10 (Miyato & Koyama 2018, "cGANs
with Projection Discriminator"): conditional batch norm in the ResNet G, the class enters D
as an inner product <embed(y), phi(x)> added to its logit, spectral normalisation in D, the
hinge loss, n_dis = 5, Adam with learning rate 2e-4 and (b1, b2) = (0, 0.9), batch 64, and
the learning rate decayed linearly to 0 over 50k generator updates.

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/cgan_pd_cifar10.py --workdir=runs/cgan_pd_cifar10
"""

from experiments import sngan_cifar10  # pylint: disable=g-bad-import-order


def get_config():
  c = sngan_cifar10.get_config()
  c.model.num_classes = 10
  c.model.conditioning = "projection"
  c.optim.schedule = "linear"
  c.sample.num_images = 100       # One row per class.
  c.sample.grid_rows = 10
  return c
