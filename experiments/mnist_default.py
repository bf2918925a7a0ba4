"""The default experiment (README command 1): clean MNIST digits in a few CPU minutes.

The conditional GAN of experiments/cgan_mnist.py (Mirza & Osindero 2014; one-hot labels
concatenated to G's noise and D's input, leaky-ReLU MLPs, Adam 2e-4), 16,000 steps of 64,
scored by `--mode=eval` with FID, KID and IS in lenet-mnist features and how often the
classifier sees the digit asked for (its scores: the README's Results section). Why not the
DCGAN of dcgan_mnist.py: unconditional, it spreads its samples unevenly over the ten digits,
and lenet-mnist's class-specific features punish that far more than stroke noise.

  python -m jaxgan.main --config=experiments/mnist_default.py --workdir=runs/mnist_default
  python -m jaxgan.main --config=experiments/mnist_default.py --workdir=runs/mnist_default \\
      --mode=eval
"""

from experiments import cgan_mnist  # pylint: disable=g-bad-import-order


def get_config():
  c = cgan_mnist.get_config()
  c.num_steps = 16_000
  c.eval.metrics = ("fid", "kid", "is", "class_accuracy")
  return c
