"""beta-VAE (Higgins et al. 2017, "beta-VAE: Learning Basic Visual Concepts with a Constrained
Variational Framework") on dynamically binarised MNIST: the MLP VAE with the KL term weighted
by beta = 4 (their value for MNIST-like data is beta > 1; larger beta trades likelihood for
a more factorised latent) and a 10-dimensional latent, so the factors can be traversed.

  python -m jaxgan.main --config=experiments/beta_vae_mnist.py --workdir=runs/beta_vae_mnist
"""

from experiments import vae_mnist  # pylint: disable=g-bad-import-order


def get_config():
  c = vae_mnist.get_config()
  c.vae.beta = 4.0
  c.model.latent_dim = 10
  c.num_steps = 30_000
  return c
