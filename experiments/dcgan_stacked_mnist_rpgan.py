"""Stacked MNIST (1,000 modes) with the unconditional DCGAN recipe of dcgan_mnist_rpgan.py:
the relativistic pairing loss with R1 + R2 (RpGAN + R1 + R2, the loss R3GAN, Huang et al.
2024, ablates on Stacked MNIST), D without BatchNorm, Adam 1e-3 (b1 0, b2 0.99), an EMA of
G. Batches of 32 with the penalties estimated on 8 of them make more steps in the same time
on a CPU. Scored as dcgan_stacked_mnist.py: modes covered of 1,000 and KL to uniform, read by
lenet-mnist on each channel of 26,000 samples.

  python -m jaxgan.main --config=experiments/dcgan_stacked_mnist_rpgan.py \\
      --workdir=runs/stacked_rpgan
"""

from experiments import dcgan_mnist_rpgan  # pylint: disable=g-bad-import-order
from experiments import dcgan_stacked_mnist


def get_config():
  c = dcgan_mnist_rpgan.apply_recipe(dcgan_stacked_mnist.get_config())
  c.batch_size = 32
  c.penalty.examples = 8
  c.num_steps = 15_000
  c.eval_every = c.sample_every = c.checkpoint_every = 5_000
  return c
