"""The MLP VAE of Kingma & Welling (2014, "Auto-Encoding Variational Bayes") on dynamically
binarised MNIST, scored as in Burda et al. (2016, "Importance Weighted Autoencoders"): the test
negative ELBO and the importance-weighted NLL with k = 1000 samples, in nats.

Kingma & Welling's MNIST model: one hidden layer of 500 units in the encoder and the decoder,
a Bernoulli decoder, minibatches of 100. Here: ReLU units and two hidden layers of 500, a
50-dimensional latent (Burda et al.'s size) and Adam at 1e-3 instead of Adagrad, which train
to a good bound in far fewer steps on a CPU.

  python -m jaxgan.main --config=experiments/vae_mnist.py --workdir=runs/vae_mnist
  python -m jaxgan.main --config=experiments/vae_mnist.py --workdir=runs/vae_mnist --mode=eval
"""

import ml_collections

from jaxgan import configs


def vae_fields() -> ml_collections.ConfigDict:
  """The VAE kind's own fields, shared by the VAE experiment files."""
  v = ml_collections.ConfigDict()
  v.likelihood = "bernoulli"        # bernoulli | gaussian | logistic (see jaxgan/vae.py).
  v.beta = 1.0                      # Weight of the KL term; 1 is the VAE (Higgins et al.: > 1).
  v.hidden_sizes = (500, 500)       # MLP widths, encoder order; the decoder mirrors them.
  v.eval_iw_samples = 1000          # k of the importance-weighted NLL estimate.
  v.eval_chunk_size = 100           # Latents per example decoded at once (divides k).
  v.eval_batch_size = 100           # Test examples per evaluation batch.
  v.eval_examples = -1              # -1: the whole test split.
  return v


def get_config():
  c = configs.base()
  c.kind = "vae"
  c.batch_size = 100
  c.num_steps = 30_000              # 50 epochs of the 60k training images.
  c.log_every = 500
  c.checkpoint_every = 5_000
  c.sample_every = 5_000
  c.model.architecture = "mlp_vae"
  c.model.latent_dim = 50
  c.vae = vae_fields()
  c.optim.lr = 1e-3
  c.optim.b1 = 0.9                  # Adam's defaults, not the GAN's b1 = 0.5.
  c.optim.b2 = 0.999
  c.sample.num_images = 100
  c.sample.grid_rows = 10
  return c
