"""MoCoGAN on Moving MNIST at CPU size: experiments/mocogan_mmnist.py (Tulyakov et al. 2018)
on `moving_mnist_small`, 1 digit, 16 frames, 32x32 (the standard geometry at half
resolution), with networks a quarter as wide and batches of 16.

Kept: everything of mocogan_mmnist.py but the sizes. Changed: the data (1 digit, 16 frames,
32x32), G's 4x4 width 128 (512 there), D's first width 32 (64), batch 16 (32).

  nice -n 15 python -m jaxgan.main --config=experiments/mocogan_mmnist_small.py \
      --workdir=runs/mocogan_mmnist_small
  python -m jaxgan.main --config=experiments/mocogan_mmnist_small.py \
      --workdir=runs/mocogan_mmnist_small --mode=eval
  # continuation: G sees the first 8 real frames and makes the other 8
  ... --config.model.context_frames=8
"""

from jaxgan import configs


def settings(c):
  """The kind fields of this experiment, on a config that has the video_gan defaults."""
  c.kind = "video_gan"
  c.data.name = "moving_mnist_small"
  c.data.image_shape = (32, 32, 1)  # One frame; the clip is (16, 32, 32, 1).
  c.batch_size = 16
  c.num_steps = 20_000
  c.log_every = 50
  c.checkpoint_every = 500
  c.sample_every = 500
  c.model.g_features = 128
  c.model.d_features = 32
  c.loss.name = "non_saturating"
  c.optim.g_lr = 2e-4
  c.optim.d_lr = 2e-4
  c.optim.b1 = 0.5
  return c


def get_config():
  return settings(configs.base("video_gan"))
