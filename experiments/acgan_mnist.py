"""ACGAN on the shipped MNIST (Odena et al. 2017, "Conditional Image Synthesis with
Auxiliary Classifier GANs"): G is conditioned on the class; D is unconditional and has a
second head that classifies real and fake images. D maximises L_S + L_C, G maximises
L_C - L_S (the class log-likelihood term has weight 1, config.loss.aux_weight).

The paper's defaults: Adam, learning rate 2e-4, b1 0.5, batch 100, z of 100 dimensions. The
networks here are the DCGAN-MNIST pair (the paper's are for CIFAR-10/ImageNet).

  python -m jaxgan.main --config=experiments/acgan_mnist.py --workdir=runs/acgan_mnist
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "dcgan_mnist"
  c.model.latent_dim = 100
  c.model.num_classes = 10
  c.model.conditioning = "acgan"
  c.loss.aux_weight = 1.0
  c.batch_size = 100
  c.optim.g_lr = c.optim.d_lr = 2e-4
  c.optim.b1 = 0.5
  c.num_steps = 10_000
  c.sample_every = 1_000
  c.sample.num_images = 100
  c.sample.grid_rows = 10
  return c
