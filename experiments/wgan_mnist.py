"""Wasserstein GAN with weight clipping on the shipped MNIST (Arjovsky et al. 2017).

The paper's Algorithm 1 defaults: RMSProp with learning rate 5e-5, clipping c = 0.01,
n_critic = 5 critic updates per generator update, batch 64. (The reference code's extra 100
critic updates during the first 25 generator steps and every 500th are not reproduced.)
The networks are the DCGAN-MNIST pair; the critic's output is an unbounded score.

  python -m jaxgan.main --config=experiments/wgan_mnist.py --workdir=runs/wgan_mnist
"""

from jaxgan import configs


def get_config():
  c = configs.base()
  c.model.architecture = "dcgan_mnist"
  c.loss.name = "wasserstein"
  c.optim.name = "rmsprop"
  c.optim.g_lr = c.optim.d_lr = 5e-5
  c.optim.d_clip = 0.01
  c.optim.n_dis = 5
  c.batch_size = 64
  c.num_steps = 10_000
  c.sample_every = 1_000
  return c
