"""Moving sprites on the standard Moving MNIST (2 digits, 20 frames, 64x64): the generator of
experiments/sprite_mmnist_small.py at full size, the run to make on a GPU.

Kept from sprite_mmnist_small.py: the generator (one sprite per digit, here two 32x32 sprites
combined by a pixel-wise maximum, moved by the GRU's folded velocities), the losses, R1 + R2,
Adam 1e-3 (beta1 0, beta2 0.99), 4 frames per video for D_I. Changed: the data, twice the
widths (G's 4x4 width 256, D's first width 64), batches of 32 and 30,000 steps. Continuation
reads one sprite per video, so this experiment generates from noise only.

  python -m jaxgan.main --config=experiments/sprite_mmnist.py --workdir=runs/sprite_mmnist
  python -m jaxgan.main --config=experiments/sprite_mmnist.py --workdir=runs/sprite_mmnist \
      --mode=eval
"""

from experiments import sprite_mmnist_small
from jaxgan import configs


def settings(c):
  """The kind fields of this experiment, on a config that has the video_gan defaults."""
  c = sprite_mmnist_small.settings(c)
  c.data.name = "moving_mnist"
  c.data.image_shape = (64, 64, 1)  # One frame; the clip is (20, 64, 64, 1).
  c.batch_size = 32
  c.num_steps = 30_000
  c.checkpoint_every = 2_000
  c.sample_every = 2_000
  c.eval_every = 10_000
  c.model.g_features = 256
  c.model.d_features = 64
  return c


def get_config():
  return settings(configs.base("video_gan"))
