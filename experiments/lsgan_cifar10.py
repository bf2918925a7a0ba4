"""Least-squares GAN on CIFAR-10 (Mao et al. 2017, "Least Squares Generative Adversarial
Networks"): the a=0, b=1, c=1 coding of Eq. (2), i.e. D minimises
1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] and G minimises 1/2 E[(D(G(z)) - 1)^2].

The paper trains with Adam, learning rate 2e-4, b1 0.5; its CIFAR-10 comparison uses a
DCGAN-style network, which here is the DCGAN-CIFAR pair.

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/lsgan_cifar10.py --workdir=runs/lsgan_cifar10
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "cifar10"
  c.data.image_shape = (32, 32, 3)
  c.model.architecture = "dcgan_cifar10"
  c.model.latent_dim = 100
  c.loss.name = "least_squares"
  c.optim.g_lr = c.optim.d_lr = 2e-4
  c.optim.b1 = 0.5
  c.num_steps = 100_000
  c.sample_every = 5_000
  c.checkpoint_every = 5_000
  return c
