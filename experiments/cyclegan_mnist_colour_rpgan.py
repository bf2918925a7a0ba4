"""CycleGAN grey <-> colour digits (experiments/cyclegan_mnist_colour.py) with the GAN recipe
of dcgan_mnist_rpgan.py in place of least squares: the relativistic pairing loss (RpGAN,
Jolicoeur-Martineau 2019) and both zero-centred gradient penalties, R1 on real and R2 on
generated images (R3GAN, Huang et al. 2024), gamma 1, on each PatchGAN's mean patch logit.
Everything else (networks, cycle and identity terms, pools, Adam 2e-4 / 0.5) is unchanged,
so the two rows differ by the adversarial game alone (docs/results.md).

  python -m jaxgan.main --config=experiments/cyclegan_mnist_colour_rpgan.py \\
      --workdir=runs/cg_colour_rpgan
"""

from experiments import cyclegan_mnist_colour  # pylint: disable=g-bad-import-order


def get_config():
  c = cyclegan_mnist_colour.get_config()
  c.loss.adversarial = "relativistic_pairing"
  c.loss.penalty = "r1_r2"
  c.loss.penalty_weight = 1.0
  return c
