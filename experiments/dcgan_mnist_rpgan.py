"""The seed's DCGAN on the shipped MNIST, unconditional, with a modern recipe: the
relativistic pairing loss with R1 + R2 (RpGAN, Jolicoeur-Martineau 2019; the loss of R3GAN,
Huang et al. 2024), D without BatchNorm, Adam (b1 0, b2 0.99) at a high rate, and an EMA of
G. Networks: those of dcgan_mnist.py (models/dcgan.py), sized by model.g_channels /
d_channels. Scored by the lenet-mnist FID, IS, precision / recall and the share of each digit
among lenet-mnist's readings (class_shares), 10,000 samples against the 60,000 training
images (docs/results.md has the figures and how the recipe was chosen).

  python -m jaxgan.main --config=experiments/dcgan_mnist_rpgan.py --workdir=runs/dcgan_rpgan
  python -m jaxgan.main --config=experiments/dcgan_mnist_rpgan.py --workdir=runs/dcgan_rpgan \\
      --mode=eval
"""

from experiments import dcgan_mnist  # pylint: disable=g-bad-import-order


def apply_recipe(c):
  """The loss, penalties, D and optimizer of the recipe, on a 28x28 DCGAN config `c`."""
  c.loss.name = "relativistic_pairing"
  c.penalty.update(name="r1_r2", weight=1.0)
  c.model.d_batch_norm = False      # The penalties assume examples do not interact in D.
  c.optim.update(g_lr=1e-3, d_lr=1e-3, b1=0.0, b2=0.99)
  return c


def get_config():
  c = apply_recipe(dcgan_mnist.get_config())
  c.num_steps = 10_000
  c.log_every = 200
  c.checkpoint_every = 1_000
  c.sample_every = 1_000
  c.eval.metrics = ("fid", "is", "pr", "class_shares")
  return c
