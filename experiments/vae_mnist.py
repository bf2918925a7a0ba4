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

from jaxgan import configs


def get_config():
  c = configs.base("vae")           # The VAE's own fields: jaxgan/kinds/vae/config.py.
  c.batch_size = 100
  c.num_steps = 30_000              # 50 epochs of the 60k training images.
  c.log_every = 500
  c.checkpoint_every = 5_000
  c.sample_every = 5_000
  c.model.architecture = "mlp_vae"
  c.model.latent_dim = 50
  c.optim.lr = 1e-3
  c.optim.b1 = 0.9                  # Adam's defaults, not the GAN's b1 = 0.5.
  c.optim.b2 = 0.999
  c.sample.num_images = 100
  c.sample.grid_rows = 10
  return c
