"""A convolutional VAE on dynamically binarised MNIST: Kingma & Welling's (2014) model with the
MLPs replaced by two k4-s2 convolutions (32, 64 channels) and their transposes, the DCGAN-style
(Radford et al. 2016) encoder/decoder pair common in VAE codebases.

  python -m jaxgan.main --config=experiments/conv_vae_mnist.py --workdir=runs/conv_vae_mnist
  python -m jaxgan.main --config=experiments/conv_vae_mnist.py --workdir=runs/conv_vae_mnist \
      --mode=eval
"""

from experiments import vae_mnist  # pylint: disable=g-bad-import-order


def get_config():
  c = vae_mnist.get_config()
  c.model.architecture = "conv_vae"
  c.model.latent_dim = 32
  c.num_steps = 20_000
  return c
