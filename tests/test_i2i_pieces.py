"""Image-to-image pieces against hand-worked values: the image pool, the cycle, identity,
adversarial and hole-weighted losses, the inpainting masks, the U-Net / PatchGAN / ResNet
shapes at several sizes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.kinds.cyclegan import image_pool
from jaxgan.translation import losses as tl
from jaxgan.data import masks
from jaxgan.translation import patchgan
from jaxgan.kinds.cyclegan import resnet_translator
from jaxgan.kinds.pix2pix import unet


def _images(*values):
  return jnp.asarray(values, jnp.float32).reshape((-1, 1, 1, 1))


def test_pool_hand_worked_sequence():
  pool = image_pool.create(2, (1, 1, 1))
  # 1, 2 fill the pool and pass; 3 (coin .9) swaps with slot 1 and returns 2; 4 (coin .2)
  # passes; 5 (coin .7) swaps with slot 0 and returns 1. Pool: [5, 3].
  pool, out = image_pool.query_with_draws(
      pool, _images(1, 2, 3, 4, 5), jnp.array([0.9, 0.1, 0.9, 0.2, 0.7]),
      jnp.array([1, 0, 1, 0, 0]))
  np.testing.assert_array_equal(out.ravel(), [1, 2, 2, 4, 1])
  np.testing.assert_array_equal(pool.images.ravel(), [5, 3])
  assert int(pool.count) == 2
  # 6 (coin .6) swaps with slot 1 -> returns 3; 7 (coin exactly .5, not > .5) passes.
  pool, out = image_pool.query_with_draws(pool, _images(6, 7), jnp.array([0.6, 0.5]),
                                          jnp.array([1, 1]))
  np.testing.assert_array_equal(out.ravel(), [3, 7])
  np.testing.assert_array_equal(pool.images.ravel(), [5, 6])


def test_pool_filling_within_one_batch_and_size_zero():
  pool = image_pool.create(3, (1, 1, 1))
  pool, out = image_pool.query_with_draws(pool, _images(1, 2), jnp.array([0.9, 0.9]),
                                          jnp.array([0, 0]))
  np.testing.assert_array_equal(out.ravel(), [1, 2])   # Filling: always passes through.
  np.testing.assert_array_equal(pool.images.ravel(), [1, 2, 0])
  assert int(pool.count) == 2
  empty = image_pool.create(0, (1, 1, 1))
  same, out = image_pool.query(empty, _images(4, 5), jax.random.PRNGKey(0))
  np.testing.assert_array_equal(out.ravel(), [4, 5])


def test_pool_query_is_a_function_of_the_key_and_jits():
  pool = image_pool.create(4, (2, 2, 1))
  images = jnp.arange(48, dtype=jnp.float32).reshape((12, 2, 2, 1))
  query = jax.jit(image_pool.query)
  (p1, o1), (p2, o2) = query(pool, images, jax.random.PRNGKey(3)), query(pool, images,
                                                                        jax.random.PRNGKey(3))
  np.testing.assert_array_equal(o1, o2)
  np.testing.assert_array_equal(p1.images, p2.images)
  # Every returned image is one that went in, and the pool holds 4 of the inputs.
  inputs = {float(x) for x in images[:, 0, 0, 0]}
  assert {float(x) for x in o1[:, 0, 0, 0]} <= inputs
  assert {float(x) for x in p1.images[:, 0, 0, 0]} <= inputs and int(p1.count) == 4


def test_cycle_and_identity_losses_hand_computed():
  a, b = jnp.array([[0.0, 1.0]]), jnp.array([[2.0, 2.0]])
  # |rec_a - a| = (0.5, 0) -> 0.25; |rec_b - b| = (1, 2) -> 1.5; λ = 10 -> 17.5.
  assert float(tl.cycle_loss(a, jnp.array([[0.5, 1.0]]), b, jnp.array([[1.0, 4.0]]))) == 17.5
  # |F(a) - a| = (1, 0) -> 0.5; |G(b) - b| = (0, 1) -> 0.5; 0.5 λ = 5 -> 5.0.
  assert float(tl.identity_loss(a, jnp.array([[1.0, 1.0]]), b, jnp.array([[2.0, 3.0]]))) == 5.0
  assert tl.CYCLE_WEIGHT == 10 and tl.IDENTITY_FRACTION == 0.5 and tl.L1_WEIGHT == 100


def test_adversarial_pairs_hand_computed():
  zeros, ones = jnp.zeros((2, 3, 3)), jnp.ones((2, 3, 3))
  vanilla, lsgan = tl.ADVERSARIAL["vanilla"], tl.ADVERSARIAL["lsgan"]
  np.testing.assert_allclose(vanilla.d(zeros, zeros), np.log(2), rtol=1e-6)  # 0.5 (ln2 + ln2)
  np.testing.assert_allclose(vanilla.g(None, zeros), np.log(2), rtol=1e-6)
  assert float(lsgan.d(ones, zeros)) == 0.0 and float(lsgan.g(None, zeros)) == 1.0
  assert float(lsgan.d(zeros, ones)) == 1.0   # 0.5 (1 + 1)


def test_relativistic_pairing_pairs_patch_logits_hand_computed():
  pairing = tl.ADVERSARIAL["relativistic_pairing"]
  real, fake = jnp.array([[[2.0, 0.0]]]), jnp.array([[[1.0, 0.0]]])
  # D: mean softplus(fake - real) over the patches = (softplus(-1) + softplus(0)) / 2.
  np.testing.assert_allclose(pairing.d(real, fake), (np.log1p(np.exp(-1)) + np.log(2)) / 2,
                             rtol=1e-6)
  np.testing.assert_allclose(pairing.g(real, fake), (np.log1p(np.exp(1)) + np.log(2)) / 2,
                             rtol=1e-6)
  assert pairing.g_reads_real and not tl.ADVERSARIAL["lsgan"].g_reads_real


def test_hole_weighted_loss_hand_computed():
  mask = jnp.zeros((1, 5, 5, 1)).at[0, 2, 2, 0].set(1.0)
  weights = tl.hole_weights(mask, overlap=1, overlap_weight=10.0)
  expected = np.zeros((5, 5))
  expected[1:4, 1:4] = 10.0
  expected[2, 2] = 1.0
  np.testing.assert_array_equal(weights[0, ..., 0], expected)
  target = jnp.zeros((1, 5, 5, 1))
  # Error 1 everywhere: (1 * 1 + 8 * 10) / 9 covered pixels = 9.
  assert float(tl.hole_weighted_loss(jnp.ones_like(target), target, mask, overlap=1)) == 9.0
  # Error 2 in the hole only: 4 / 9; pixels outside hole and band do not count.
  only_hole = 2.0 * mask + 5.0 * (1 - tl.dilate(mask, 1))
  np.testing.assert_allclose(tl.hole_weighted_loss(only_hole, target, mask, overlap=1), 4 / 9,
                             rtol=1e-6)


def test_centre_mask_covers_the_central_box():
  mask = masks.centre(28, 28)
  assert mask.sum() == 14 * 14
  assert mask[7:21, 7:21].all() and not mask[:7].any() and not mask[21:].any()
  assert not mask[:, :7].any() and not mask[:, 21:].any()


def test_box_masks_are_the_union_of_their_boxes():
  for seed in range(5):
    boxes = masks.box_list(np.random.default_rng(seed), 28, 32)
    assert 1 <= len(boxes) <= 3
    expected = np.zeros((28, 32), bool)
    for top, left, h, w in boxes:
      assert 7 <= h <= 14 and 7 <= w <= 14 and top + h <= 28 and left + w <= 32
      expected[top:top + h, left:left + w] = True
    np.testing.assert_array_equal(masks.boxes(np.random.default_rng(seed), 28, 32), expected)


def test_stroke_mask_hand_drawn_segment():
  # Row 5 from col 2 to col 10, brush 3: within 1.5 of the segment.
  mask = masks.draw_strokes([np.array([[5.0, 2.0], [5.0, 10.0]])], 3.0, 12, 14)
  expected = np.zeros((12, 14), bool)
  expected[4:7, 2:11] = True          # Distance <= 1 across the segment.
  expected[4:7, 1] = expected[4:7, 11] = True  # Round caps: (4, 1) is sqrt(2) <= 1.5 away.
  np.testing.assert_array_equal(mask, expected)


def test_random_strokes_cover_their_vertices_only_near_segments():
  rng = np.random.default_rng(7)
  strokes = masks.stroke_list(rng, 28, 28)
  mask = masks.draw_strokes(strokes, 4.0, 28, 28)
  for vertices in strokes:
    for row, col in np.round(vertices).astype(int):
      assert mask[row, col]
  assert 0 < mask.mean() < 1
  np.testing.assert_array_equal(masks.strokes(np.random.default_rng(3), 28, 28),
                                masks.strokes(np.random.default_rng(3), 28, 28))


@pytest.mark.parametrize("size", [28, 32, 64, 128])
def test_unet_patchgan_resnet_shapes(size):
  # Shapes only, so abstract evaluation: nothing is compiled or run.
  x = jax.ShapeDtypeStruct((2, size, size, 3), jnp.float32)
  key = jax.random.PRNGKey(0)
  g = unet.UNetGenerator(out_channels=1, features=4, max_features=16)
  variables = jax.eval_shape(lambda x: g.init(key, x, train=False), x)
  y = jax.eval_shape(lambda v, x: g.apply(v, x, rngs={"dropout": key}), variables, x)
  assert y.shape == (2, size, size, 1)
  # One encoder conv per level, down to 1x1 after edge-padding to a power of two.
  depth = unet.depth_for(size, size)
  assert 2 ** depth == unet.padded_size(size, depth) >= size
  assert sum(name.startswith("Conv_") for name in variables["params"]) == depth
  d = patchgan.PatchDiscriminator(features=4, max_features=16)
  d_vars = jax.eval_shape(lambda y, x: d.init(key, y, x, train=False), y, x)
  logits = jax.eval_shape(lambda v, y, x: d.apply(v, y, x), d_vars, y, x)
  layers = patchgan.layers_for(size)
  assert patchgan.receptive_field(layers) <= max(0.3 * size, 16)
  side = size // 2 ** layers - 2     # Two stride-1 k4 p1 convs each take one pixel.
  assert logits.shape == (2, side, side)
  r = resnet_translator.ResNetTranslator(out_channels=3, features=4, blocks=1)
  r_vars = jax.eval_shape(lambda x: r.init(key, x, train=False), x)
  assert jax.eval_shape(lambda v, x: r.apply(v, x), r_vars, x).shape == (2, size, size, 3)


def test_receptive_field_scales_with_the_image():
  assert patchgan.receptive_field(3) == 70   # The paper's 70x70 PatchGAN.
  assert [patchgan.layers_for(s) for s in (28, 64, 128, 256)] == [1, 1, 2, 3]
  assert resnet_translator.blocks_for(128) == 6 and resnet_translator.blocks_for(256) == 9


def test_unet_dropout_is_the_noise():
  x = jax.random.normal(jax.random.PRNGKey(0), (2, 16, 16, 1))
  g = unet.UNetGenerator(out_channels=1, features=4, max_features=8)
  variables = jax.jit(lambda x: g.init(jax.random.PRNGKey(0), x, train=False))(x)
  # Jitted: run op by op, the U-Net's many small layers take a minute.
  apply = jax.jit(lambda key, dropout: g.apply(variables, x, train=False, dropout=dropout,
                                               rngs={"dropout": key}), static_argnums=1)
  run = lambda key, dropout: apply(jax.random.PRNGKey(key), dropout)
  assert not np.allclose(run(1, True), run(2, True))
  np.testing.assert_array_equal(run(1, False), run(2, False))
  np.testing.assert_array_equal(run(1, True), run(1, True))


@pytest.mark.parametrize("mode", ["edge", "reflect"])
def test_padding_matches_jnp_pad(mode):
  from jaxgan.models import padding
  x = jax.random.normal(jax.random.PRNGKey(0), (2, 5, 6, 3))
  np.testing.assert_array_equal(padding.pad2d(x, 2, 1, 3, 0, mode),
                                jnp.pad(x, ((0, 0), (2, 1), (3, 0), (0, 0)), mode))


def test_in_chunks_pads_the_last_batch_and_compiles_once():
  from jaxgan.translation import samples as image_translation
  shapes = []

  @jax.jit
  def double(x):
    shapes.append(x.shape)  # Runs once per compilation.
    return 2 * x

  for count in (1, 3, 4, 9):
    x = np.arange(count * 2, dtype=np.float32).reshape(count, 2)
    seen = []
    out = image_translation.in_chunks(lambda i, a: seen.append(i) or double(a), [x], 4)
    np.testing.assert_array_equal(out, 2 * x)
    assert seen == list(range(-(-count // 4)))
  assert shapes == [(4, 2)]
