"""SAGAN on CIFAR-10 (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks"):
a self-attention block in G and D, spectral normalisation in both, the hinge loss, and TTUR:
Adam with (b1, b2) = (0, 0.9), learning rate 1e-4 for G and 4e-4 for D, one D update per G
update. The paper's networks are for 128x128 ImageNet; here the SNGAN ResNet for 32x32 gets
the block at the 16x16 feature maps.

Needs the TFDS `cifar10` prepared as array_record (the error says how). Run:

  python -m jaxgan.main --config=experiments/sagan_cifar10.py --workdir=runs/sagan_cifar10
"""

from experiments import sngan_cifar10  # pylint: disable=g-bad-import-order


def get_config():
  c = sngan_cifar10.get_config()
  c.model.g_spectral_norm = True
  c.model.attention_resolution = 16
  c.optim.g_lr = 1e-4
  c.optim.d_lr = 4e-4
  c.optim.n_dis = 1
  c.num_steps = 100_000
  return c
