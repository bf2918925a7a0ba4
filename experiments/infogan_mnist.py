"""InfoGAN on the shipped MNIST (Chen et al. 2016, "InfoGAN: Interpretable Representation
Learning by Information Maximizing GANs").

The paper's MNIST setting: 62 noise variables, one categorical code with 10 values and two
continuous codes ~ U(-1, 1), lambda = 1 for the mutual-information term in both the G and the
Q (D) losses, Adam with learning rate 2e-4 for D and 1e-3 for G, b1 0.5, batch 64 (App. C).
Q shares D's body (here the DCGAN-MNIST D) and adds FC 128 - BN - LReLU - FC.

  python -m jaxgan.main --config=experiments/infogan_mnist.py --workdir=runs/infogan_mnist

Sample grids show the categorical code by row and the first continuous code swept -1 -> 1
along each row.
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 62
  c.model.info_categorical = 10
  c.model.info_continuous = 2
  c.loss.aux_weight = 1.0         # lambda
  c.optim.d_lr = 2e-4
  c.optim.g_lr = 1e-3
  c.optim.b1 = 0.5
  c.batch_size = 64
  c.num_steps = 10_000
  c.sample_every = 1_000
  c.sample.num_images = 100
  c.sample.grid_rows = 10
  return c
