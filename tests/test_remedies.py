"""The mode-collapse remedies as pure pieces: PacGAN packing, the Unrolled-GAN unroll, the
minibatch-stddev layer and DiffAugment (issue 13)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgan.kinds.gan import packing
from jaxgan.kinds.gan import unroll
from jaxgan.models import minibatch_std
from jaxgan.kinds.gan import diffaugment


# -- PacGAN packing ------------------------------------------------------------------------
def test_pack_concatenates_consecutive_examples_along_channels():
  x = np.arange(6 * 2 * 2 * 3, dtype=np.float32).reshape(6, 2, 2, 3)
  packed = np.asarray(packing.pack(jnp.asarray(x), 3))
  assert packed.shape == (2, 2, 2, 9)
  for p in range(2):
    np.testing.assert_array_equal(packed[p], np.concatenate([x[3 * p + j] for j in range(3)], -1))
  np.testing.assert_array_equal(packing.unpack(packed, 3), x)
  assert packing.packed_shape((28, 28, 1), 4) == (28, 28, 4)


def test_packed_discriminator_sees_m_examples_per_decision():
  seen = []

  class Probe(packing.nn.Module):
    @packing.nn.compact
    def __call__(self, x, y=None, train=True):
      seen.append(x.shape)
      return packing.nn.Dense(1)(x.reshape(x.shape[0], -1))[:, 0]

  d = packing.PackedDiscriminator(Probe(), pack_size=2)
  real, fake = jnp.ones((8, 1, 1, 2)), jnp.zeros((8, 1, 1, 2))
  variables = d.init(jax.random.PRNGKey(0), real)
  out_real, out_fake = d.apply(variables, real), d.apply(variables, fake)
  assert out_real.shape == out_fake.shape == (4,)
  assert seen[-2:] == [(4, 1, 1, 4), (4, 1, 1, 4)]     # Real and fake packed alike.
  # One decision depends on exactly its pack's members.
  grads = jax.jacobian(lambda x: d.apply(variables, x))(real)   # [4, 8, 1, 1, 2]
  touched = np.abs(np.asarray(grads)).sum(axis=(2, 3, 4)) > 0
  np.testing.assert_array_equal(touched, np.kron(np.eye(4), np.ones((1, 2))).astype(bool))


# -- Unrolled GAN --------------------------------------------------------------------------
@pytest.mark.parametrize("tx", [optax.sgd(0.1), optax.adam(0.05, b1=0.5)])
def test_unroll_equals_a_hand_written_two_step_unroll(tx):
  """d/dg of the G loss through two D steps, by `unroll` and written out by hand."""
  real = jnp.array([[1.0, -0.5], [0.3, 2.0]])
  z = jnp.array([[0.2, 0.1], [-1.0, 0.4]])
  d0 = {"w": jnp.array([0.3, -0.2]), "b": jnp.array(0.1)}
  g = jnp.array([[1.0, 0.5], [-0.3, 0.8]])

  def logits(d, x):
    return x @ d["w"] + d["b"]

  def d_loss(d, fake):
    return jnp.mean(jax.nn.softplus(-logits(d, real)) + jax.nn.softplus(logits(d, fake)))

  def g_loss_by_unroll(g):
    fake = z @ g
    d2, _ = unroll.unroll(lambda d, c: (d_loss(d, fake), c), tx, d0, tx.init(d0), {}, 2)
    return jnp.mean(jax.nn.softplus(-logits(d2, fake)))

  def g_loss_by_hand(g):
    fake = z @ g
    state = tx.init(d0)
    grads = jax.grad(d_loss)(d0, fake)
    updates, state = tx.update(grads, state, d0)
    d1 = jax.tree.map(lambda p, u: p + u, d0, updates)
    grads = jax.grad(d_loss)(d1, fake)
    updates, state = tx.update(grads, state, d1)
    d2 = jax.tree.map(lambda p, u: p + u, d1, updates)
    return jnp.mean(jax.nn.softplus(-logits(d2, fake)))

  by_unroll, by_hand = jax.grad(g_loss_by_unroll)(g), jax.grad(g_loss_by_hand)(g)
  np.testing.assert_allclose(by_unroll, by_hand, rtol=1e-6, atol=1e-7)
  # The unroll matters: treating D_2 as a constant gives another gradient.
  fake0 = z @ g
  d2_const, _ = unroll.unroll(lambda d, c: (d_loss(d, fake0), c), tx, d0, tx.init(d0), {}, 2)
  d2_const = jax.lax.stop_gradient(d2_const)
  constant = jax.grad(lambda g: jnp.mean(jax.nn.softplus(-logits(d2_const, z @ g))))(g)
  assert not np.allclose(constant, by_hand, atol=1e-6)


# -- minibatch standard deviation -----------------------------------------------------------
@pytest.mark.parametrize("shape,group", [((8, 3, 3, 5), 4), ((6, 7), 2), ((4, 2, 2, 3), 8)])
def test_minibatch_stddev_matches_numpy(shape, group):
  x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
  out = np.asarray(minibatch_std.minibatch_stddev(jnp.asarray(x), group))
  batch, g = shape[0], min(group, shape[0])
  m = batch // g
  expected = np.empty(batch)
  for i in range(batch):
    members = x[i % m::m]                       # Group of example i: i mod M, stride M.
    assert len(members) == g
    expected[i] = np.mean(np.sqrt(np.var(members, axis=0) + 1e-8))
  assert out.shape == shape[:-1] + (shape[-1] + 1,)
  np.testing.assert_array_equal(out[..., :-1], x)
  for i in range(batch):
    np.testing.assert_allclose(out[i, ..., -1], expected[i], rtol=1e-5)
  layer = minibatch_std.MinibatchStdDev(group)
  np.testing.assert_array_equal(layer.apply({}, jnp.asarray(x)), out)


def test_minibatch_stddev_is_zero_for_identical_examples():
  x = jnp.tile(jnp.arange(5.0)[None], (4, 1))
  np.testing.assert_allclose(minibatch_std.minibatch_stddev(x, 4)[:, -1], 1e-4, rtol=1e-3)


# -- DiffAugment ----------------------------------------------------------------------------
POLICY = ("color", "translation", "cutout")


def _images(seed=0, shape=(4, 8, 8, 3)):
  return jnp.asarray(np.random.default_rng(seed).uniform(-1, 1, shape), jnp.float32)


def test_diffaugment_is_differentiable_and_keyed():
  x, key = _images(), jax.random.PRNGKey(3)
  out = diffaugment.augment(key, x, POLICY)
  assert out.shape == x.shape
  np.testing.assert_array_equal(out, diffaugment.augment(key, x, POLICY))   # Same key, same T.
  assert not np.allclose(out, diffaugment.augment(jax.random.PRNGKey(4), x, POLICY))
  grads = jax.grad(lambda v: jnp.sum(diffaugment.augment(key, v, POLICY) ** 2))(x)
  assert np.all(np.isfinite(grads)) and np.abs(np.asarray(grads)).sum() > 0
  assert diffaugment.parse_policy("color, translation,cutout") == POLICY
  assert diffaugment.parse_policy("") == ()


def test_diffaugment_gradient_goes_through_the_same_transform():
  """T is affine in x for a fixed key: T(x) = A x + b. The gradient path must use that A:
  the tangent (jvp) equals T(x + v) - T(x), and the cotangent (vjp) is A's transpose."""
  x, v, key = _images(0), _images(1), jax.random.PRNGKey(7)
  transform = lambda images: diffaugment.augment(key, images, POLICY)
  _, tangent = jax.jvp(transform, (x,), (v,))
  np.testing.assert_allclose(tangent, transform(x + v) - transform(x), atol=1e-5)
  u = _images(2)
  (cotangent,) = jax.vjp(transform, x)[1](u)
  # <u, A v> == <A^T u, v>
  np.testing.assert_allclose(jnp.vdot(u, tangent), jnp.vdot(cotangent, v), rtol=1e-4)


def test_translation_and_cutout_match_numpy():
  x = np.asarray(_images(5, (3, 6, 5, 2)))
  dy, dx = jnp.array([1, -2, 0]), jnp.array([0, 1, -1])
  out = np.asarray(diffaugment.translate(jnp.asarray(x), dy, dx))
  for b in range(3):
    for i in range(6):
      for j in range(5):
        si, sj = i - int(dy[b]), j - int(dx[b])
        want = x[b, si, sj] if 0 <= si < 6 and 0 <= sj < 5 else 0.0
        np.testing.assert_array_equal(out[b, i, j], want)
  mask = np.asarray(diffaugment.cutout_mask(jax.random.PRNGKey(0), 16, 8, 8))
  assert mask.shape == (16, 8, 8, 1)
  assert np.all((mask == 0) | (mask == 1))
  # A 4x4 square, clipped at the border: between 4 and 16 pixels zeroed, as one box.
  zeros = (mask[..., 0] == 0).sum(axis=(1, 2))
  assert np.all((zeros >= 4) & (zeros <= 16))
  for b in range(16):
    rows, cols = np.nonzero(mask[b, ..., 0] == 0)
    assert len(rows) == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
