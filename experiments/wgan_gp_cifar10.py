"""WGAN-GP on CIFAR-10 (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs").

The paper's Algorithm 1 defaults: lambda = 10, n_critic = 5, Adam with learning rate 1e-4 and
(b1, b2) = (0, 0.9), batch 64; the CIFAR-10 ResNet, with no normalisation in the critic (the
penalty is per example), its learning rate decayed linearly to 0 over 100k generator steps.
G and D are 128 channels wide there.

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/wgan_gp_cifar10.py --workdir=runs/wgan_gp_cifar10
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "cifar10"
  c.data.image_shape = (32, 32, 3)
  c.model.architecture = "resnet32"
  c.model.latent_dim = 128
  c.model.g_channels = 128
  c.model.d_channels = 128
  c.loss.name = "wasserstein"
  c.penalty.name = "wgan_gp"
  c.penalty.weight = 10.0
  c.optim.g_lr = c.optim.d_lr = 1e-4
  c.optim.b1, c.optim.b2 = 0.0, 0.9
  c.optim.n_dis = 5
  c.optim.schedule = "linear"
  c.num_steps = 100_000
  c.sample_every = 5_000
  c.checkpoint_every = 5_000
  return c
