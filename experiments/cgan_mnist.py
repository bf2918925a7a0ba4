"""Conditional GAN on the shipped MNIST (Mirza & Osindero 2014): the label, one-hot, is
concatenated to G's noise and to D's input.

The paper's networks are MLPs; `mlp_cgan` widens them (see jaxgan/kinds/gan/architectures.py) and uses
leaky ReLU instead of maxout. The paper's z has 100 dimensions; its SGD with momentum
schedule is replaced by Adam (2e-4, b1 0.5), which trains this net without tuning.

  python -m jaxgan.main --config=experiments/cgan_mnist.py --workdir=runs/cgan_mnist
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "mlp_cgan"
  c.model.latent_dim = 100
  c.model.num_classes = 10
  c.model.conditioning = "concat"
  c.num_steps = 20_000
  c.log_every = 200
  c.sample_every = 2_000
  c.checkpoint_every = 2_000
  c.sample.num_images = 100       # One row per digit class.
  c.sample.grid_rows = 10
  return c
