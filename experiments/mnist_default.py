"""The default experiment (README command 1): clean MNIST digits in a few CPU minutes.

The conditional GAN of experiments/cgan_mnist.py (Mirza & Osindero 2014; one-hot labels
concatenated to G's noise and D's input, leaky-ReLU MLPs, Adam 2e-4), 16,000 steps of 64
(EMA generator: fid[lenet-mnist] 9.6, is 9.64 at 16,000; 11.1 / 9.58 at 14,000),
scored by `--mode=eval` with FID, KID and IS in lenet-mnist features and how often the
classifier sees the digit asked for. Why not the DCGAN of dcgan_mnist.py: unconditional, it
spreads its samples unevenly over the ten digits (at 2,000 steps 0.5% ones and 2.6% sixes
instead of ~10% each), and lenet-mnist's class-specific features punish that far more than
stroke noise; see the README's Results section.

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
