"""Moving sprites on Moving MNIST at CPU size: a sequence generator that carries each frame's
content into the next (jaxgan/kinds/video_gan/sprite_generator.py) on `moving_mnist_small`
(1 digit, 16 frames, 32x32), against MoCoGAN's two discriminators.

G makes one 16x16 sprite per video (a DCGAN from z_C) and moves it with a GRU's velocities
through a differentiable warp, folded into the canvas, so every frame shows the same digit by
construction; the game is left the sprite's look and the motion. The same checkpoint also
continues given frames (--config.model.context_frames=8 at --mode=eval or sample). Recipe:
non-saturating loss, R1 + R2 (gamma 1) on both discriminators, Adam 1e-3 with beta1 0 and
beta2 0.99 (the recipe of experiments/dcgan_mnist_rpgan.py), D_I sees 4 frames per video.

  nice -n -10 python -m jaxgan.main --config=experiments/sprite_mmnist_small.py \
      --workdir=runs/sprite_mmnist_small
  python -m jaxgan.main --config=experiments/sprite_mmnist_small.py \
      --workdir=runs/sprite_mmnist_small --mode=eval
  python -m jaxgan.main --config=experiments/sprite_mmnist_small.py \
      --workdir=runs/sprite_mmnist_small --mode=eval --config.model.context_frames=8
  # class-conditional: the digit asked for
  ... --config.model.num_classes=10
"""

from jaxgan import configs


def settings(c):
  """The kind fields of this experiment, on a config that has the video_gan defaults."""
  c.kind = "video_gan"
  c.data.name = "moving_mnist_small"
  c.data.image_shape = (32, 32, 1)  # One frame; the clip is (16, 32, 32, 1).
  c.batch_size = 16
  c.num_steps = 4_800
  c.log_every = 100
  c.checkpoint_every = 500
  c.sample_every = 1_000
  c.eval_every = 4_800
  c.model.generator = "sprite"
  c.model.motion_dim = 32
  c.model.g_features = 128
  c.model.d_features = 32
  c.model.image_frames = 4
  c.loss.name = "non_saturating"
  c.penalty.name = "r1_r2"
  c.penalty.weight = 1.0
  c.optim.g_lr = 1e-3
  c.optim.d_lr = 1e-3
  c.optim.b1 = 0.0
  c.optim.b2 = 0.99
  return c


def get_config():
  return settings(configs.base("video_gan"))
