"""DCGAN on Stacked MNIST (three digits as RGB channels, 1,000 modes; Metz et al. 2017, VEEGAN,
PacGAN). The MNIST classifier (lenet-mnist) reads each channel of 26,000 generated images
(PacGAN's count); reported: modes covered of 1,000 and KL of the mode histogram to uniform.

  python -m jaxgan.main --config=experiments/dcgan_stacked_mnist.py --workdir=runs/stacked
  python -m jaxgan.main --config=experiments/dcgan_stacked_mnist.py --workdir=runs/stacked_mm \
      --config.loss.name=minimax
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.data.name = "stacked_mnist"
  c.data.image_shape = (28, 28, 3)
  c.model.architecture = "dcgan_stacked_mnist"  # dcgan_mnist with 3 output channels.
  c.model.latent_dim = 64
  c.num_steps = 10_000
  c.sample_every = 1_000
  c.checkpoint_every = 1_000
  c.eval_every = 2_000
  c.eval.metrics = ("modes", "fid")
  c.eval.num_samples = 26_000
  c.eval.best_metric = "modes_covered"
  return c
