"""MoCoGAN on Moving MNIST (Tulyakov et al. 2018, "MoCoGAN: Decomposing Motion and Content
for Video Generation"; Moving MNIST: Srivastava et al. 2015), the standard 2-digit, 20-frame,
64x64 videos, made on the fly from the shipped MNIST.

Kept from the paper: content code 50-d fixed per video, GRU motion codes of 10 fed 10-d noise
per frame, one image generator shared by all frames, an image discriminator on single frames
plus a video discriminator of 3-D convolutions, the original GAN loss (non-saturating G),
Adam 2e-4 with beta1 0.5. Changed: DCGAN-sized networks of jaxgan (4x4 base, ConvT k4 s2,
batch norm in G only), no batch norm in the discriminators (so penalties apply), an EMA of G
for sampling, and the GRU starts from a zero state. Continuation:
--config.model.context_frames=10 gives G the first 10 real frames.

  python -m jaxgan.main --config=experiments/mocogan_mmnist.py --workdir=runs/mocogan_mmnist
  python -m jaxgan.main --config=experiments/mocogan_mmnist.py --workdir=runs/mocogan_mmnist \
      --mode=eval
"""

from jaxgan import configs


def settings(c):
  """The kind fields of this experiment, on a config that has the video_gan defaults."""
  c.kind = "video_gan"
  c.data.name = "moving_mnist"
  c.data.image_shape = (64, 64, 1)  # One frame; the clip is (20, 64, 64, 1).
  c.batch_size = 32
  c.num_steps = 100_000
  c.log_every = 100
  c.checkpoint_every = 2_000
  c.sample_every = 1_000
  c.model.g_features = 512
  c.model.d_features = 64
  c.loss.name = "non_saturating"
  c.optim.g_lr = 2e-4
  c.optim.d_lr = 2e-4
  c.optim.b1 = 0.5
  return c


def get_config():
  return settings(configs.base("video_gan"))
