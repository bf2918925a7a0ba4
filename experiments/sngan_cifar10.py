"""SNGAN on CIFAR-10 (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks"): the ResNet G/D of Appendix B.4 with spectral normalisation on every
layer of D, the hinge loss, n_dis = 5, Adam with learning rate 2e-4 and (b1, b2) = (0, 0.9),
batch 64, 50k generator updates.

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/sngan_cifar10.py --workdir=runs/sngan_cifar10
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "cifar10"
  c.data.image_shape = (32, 32, 3)
  c.model.architecture = "resnet32"
  c.model.latent_dim = 128
  c.model.d_spectral_norm = True
  c.loss.name = "hinge"
  c.optim.g_lr = c.optim.d_lr = 2e-4
  c.optim.b1, c.optim.b2 = 0.0, 0.9
  c.optim.n_dis = 5
  c.num_steps = 50_000
  c.sample_every = 5_000
  c.checkpoint_every = 5_000
  return c
