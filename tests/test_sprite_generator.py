"""The moving-sprite sequence generator: its warp, its fold, its continuation, its training."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan import configs
from jaxgan.data import moving_mnist as mm
from jaxgan.errors import UserError
from jaxgan.kinds.video_gan import sprite_generator
from jaxgan.kinds.video_gan import warp


def _sprite():
  return jax.random.uniform(jax.random.PRNGKey(0), (1, 4, 4, 1))


def test_an_integer_shift_pastes_the_sprite():
  sprite = _sprite()
  frame = warp.place(sprite, jnp.asarray([[[2.0, 3.0]]]), 8)[0, 0]
  want = np.zeros((8, 8, 1), np.float32)
  want[2:6, 3:7] = sprite[0]
  np.testing.assert_allclose(frame, want, atol=1e-6)


def test_a_half_pixel_shift_averages_neighbours_and_the_edge_drops_ink():
  sprite = _sprite()
  frame = warp.place(sprite, jnp.asarray([[[0.0, 5.5]]]), 8)[0, 0]
  s = np.asarray(sprite[0])
  want = np.zeros((8, 8, 1), np.float32)
  # Column j of the sprite lands half on column 5 + j and half on 6 + j; 8 and 9 are off.
  for j in range(4):
    for col in (5 + j, 6 + j):
      if col < 8:
        want[0:4, col] += 0.5 * s[:, j]
  np.testing.assert_allclose(frame, want, atol=1e-6)


def test_extract_is_the_transpose_of_place():
  sprite = _sprite()
  frame = jax.random.uniform(jax.random.PRNGKey(1), (1, 9, 9, 1))
  corner = jnp.asarray([[1.25, 3.7]])
  placed = warp.place(sprite, corner[:, None], 9)[:, 0]
  lhs = jnp.sum(placed * frame)
  rhs = jnp.sum(sprite * warp.extract(frame, corner, 4))
  np.testing.assert_allclose(lhs, rhs, rtol=1e-5)
  # At an integer corner, extract cuts the window out exactly.
  np.testing.assert_allclose(warp.extract(frame, jnp.asarray([[2.0, 4.0]]), 4),
                             frame[:, 2:6, 4:8], atol=1e-6)


def test_fold_bounces_between_the_walls():
  got = warp.fold(jnp.asarray([0.0, 3.0, 10.0, 12.5, 20.0, -2.0, 23.0]), 10.0)
  np.testing.assert_allclose(got, [0.0, 3.0, 10.0, 7.5, 0.0, 2.0, 3.0], atol=1e-6)


def test_centre_of_mass_by_hand():
  ink = np.zeros((2, 5, 6, 1), np.float32)
  ink[0, 1, 2] = 1.0
  ink[0, 3, 4] = 3.0
  centre = warp.centre_of_mass(jnp.asarray(ink))
  np.testing.assert_allclose(centre[0], [(1 + 9) / 4, (2 + 12) / 4], atol=1e-4)
  np.testing.assert_allclose(centre[1], [2.0, 2.5], atol=1e-4)   # Empty: the canvas centre.


def _generator(**changes):
  fields = dict(num_frames=6, frame_size=32, digit_size=14, motion_dim=4, base_features=16)
  return sprite_generator.SpriteVideoGenerator(**{**fields, **changes})


def _latents(batch=3, frames=6):
  key = jax.random.PRNGKey(3)
  return (jax.random.normal(key, (batch, 5)),
          jax.random.normal(jax.random.fold_in(key, 1), (batch, frames, 2)))


def test_an_untrained_generator_moves_one_sprite_at_constant_velocity():
  generator = _generator()
  z, noise = _latents()
  variables = generator.init(jax.random.PRNGKey(0), z, noise, train=False)
  videos = generator.apply(variables, z, noise, train=False)
  assert videos.shape == (3, 6, 32, 32, 1)
  assert float(jnp.min(videos)) >= -1.0 and float(jnp.max(videos)) <= 1.0
  # Every frame is the sprite drawn at fold(start + t * velocity): the untrained GRU adds no
  # velocity change.
  _, seen = generator.apply(variables, z, noise, train=False, mutable=["intermediates"])
  seen = seen["intermediates"]
  (positions, velocities), = seen["first_motion"]
  t = jnp.arange(6, dtype=jnp.float32)[None, :, None, None]
  corners = warp.fold(positions + t * velocities, generator.free)
  np.testing.assert_allclose(seen["corners"][0], corners, atol=1e-5)
  np.testing.assert_allclose(videos, generator._render(seen["sprites"][0], corners), atol=1e-5)


def test_two_sprites_combine_by_maximum():
  generator = _generator(objects=2)
  z, noise = _latents()
  variables = generator.init(jax.random.PRNGKey(0), z, noise, train=False)
  assert generator.apply(variables, z, noise, train=False).shape == (3, 6, 32, 32, 1)
  sprites = jnp.zeros((1, 2, 16, 16, 1)).at[0, 0, 2, 3].set(0.25).at[0, 1, 2, 3].set(0.75)
  corners = jnp.asarray([[[[5.0, 5.0], [5.0, 5.0]]]])
  frame = (generator._render(sprites, corners)[0, 0, ..., 0] + 1.0) / 2.0
  margin = int(generator.margin)
  assert float(frame[5 - margin + 2, 5 - margin + 3]) == pytest.approx(0.75)


def test_continuation_passes_the_given_frames_and_extrapolates_their_motion():
  variant = mm.VARIANTS["moving_mnist_small"]
  real = mm.MovingMnistSource("moving_mnist_small", "test").batch(range(2))["frames"]
  real = jnp.asarray(real.astype(np.float32) / 127.5 - 1.0)
  generator = _generator(num_frames=variant.num_frames, digit_size=variant.digit_size)
  z, noise = _latents(2, variant.num_frames)
  k = 4
  variables = generator.init(jax.random.PRNGKey(0), z, noise, real[:, :k], train=False)
  out = generator.apply(variables, z, noise, real[:, :k], train=False)
  np.testing.assert_array_equal(out[:, :k], real[:, :k])
  # Untrained (no velocity change), frame k is the last given frame's sprite, moved on by
  # the last observed step of its centre of mass.
  ink = (real + 1.0) / 2.0
  centres = warp.centre_of_mass(ink[:, k - 2:k].reshape((4, 32, 32, 1))).reshape(2, 2, 2)
  boxes = jnp.clip(centres - (variant.digit_size - 1) / 2.0, 0.0, generator.free)
  sprite = warp.extract(ink[:, k - 1], boxes[:, 1] - generator.margin, 16)
  corner = warp.fold(2 * boxes[:, 1] - boxes[:, 0], generator.free)
  want = 2.0 * warp.place(sprite, (corner - generator.margin)[:, None], 32)[:, 0] - 1.0
  np.testing.assert_allclose(out[:, k], want, atol=1e-4)


def test_the_config_refuses_continuing_two_sprites():
  c = configs.base("video_gan")
  c.kind, c.data.name = "video_gan", "moving_mnist"
  c.data.image_shape = (64, 64, 1)
  c.model.generator, c.model.context_frames = "sprite", 4
  with pytest.raises(UserError, match="one-digit videos"):
    configs.validate(c, 1)
  c.model.generator = "sprites"
  c.model.context_frames = 0
  with pytest.raises(UserError, match="model.generator"):
    configs.validate(c, 1)
