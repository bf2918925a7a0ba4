"""jaxgan.ops.channels and jaxgan.models.batch_norm against plain jnp and flax's BatchNorm."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgan.models import batch_norm
from jaxgan.ops import channels

TOL = dict(rtol=2e-5, atol=2e-5)


def _normal(shape, seed=0, dtype=jnp.float32):
  return jnp.asarray(np.random.default_rng(seed).standard_normal(shape), dtype)


@pytest.mark.parametrize("shape", [(64, 8, 8, 64), (16, 8, 8, 3), (5, 7, 11, 5), (64, 128), (7,)])
def test_channel_sum_is_the_sum(shape):
  x = _normal(shape)
  want = np.asarray(x, np.float64).reshape(-1, shape[-1]).sum(0) if x.ndim > 1 else x
  np.testing.assert_allclose(jax.jit(channels.channel_sum)(x), want, rtol=1e-5, atol=1e-4)


def test_affine_gradients_match_autodiff_to_second_order():
  x, a, b = _normal((8, 9, 9, 6), 1), _normal((6,), 2), _normal((6,), 3)

  def loss(fn):
    # A penalty-like objective: the norm of an input gradient, differentiated again.
    f = lambda x, a, b: jnp.sum(jnp.tanh(fn(x, a, b)) ** 2)
    return lambda x, a, b: f(x, a, b) + jnp.sum(jax.grad(f)(x, a, b) ** 2)

  ours = lambda x, a, b: channels.add_channels(channels.affine_channels(x, a, b), b * 0.5)
  plain = lambda x, a, b: x * a + b + b * 0.5
  got = jax.jit(jax.grad(loss(ours), (0, 1, 2)))(x, a, b)
  want = jax.jit(jax.grad(loss(plain), (0, 1, 2)))(x, a, b)
  jax.tree.map(lambda p, q: np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-4), got, want)


def test_channel_sum_on_an_explicit_mesh():
  mesh = jax.make_mesh((jax.device_count(),), ("data",),
                       axis_types=(jax.sharding.AxisType.Explicit,))
  x = _normal((8 * jax.device_count(), 16, 16, 4), 4)
  want = jax.jit(lambda x: jax.grad(lambda x: jnp.sum(channels.channel_sum(x * x) ** 2))(x))(x)
  with jax.set_mesh(mesh):
    xs = jax.device_put(x, NamedSharding(mesh, P("data")))
    got = jax.jit(jax.grad(lambda x: jnp.sum(channels.channel_sum(x * x) ** 2)))(xs)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kwargs", [dict(momentum=0.9, epsilon=1e-5),
                                    dict(use_scale=False, use_bias=False)])
@pytest.mark.parametrize("shape", [(32, 8, 8, 16), (12, 20)])
def test_batch_norm_matches_flax(kwargs, shape):
  x = _normal(shape, 5) * 3.0 + 1.5
  ours, theirs = batch_norm.BatchNorm(**kwargs), nn.BatchNorm(**kwargs)
  v = theirs.init(jax.random.key(0), x, use_running_average=False)
  assert jax.tree.map(jnp.shape, ours.init(jax.random.key(0), x)) == jax.tree.map(jnp.shape, v)
  jax.tree.map(np.testing.assert_array_equal, ours.init(jax.random.key(0), x), v)
  # Non-trivial parameters and running statistics.
  v = jax.tree.map(lambda p: p + 0.3 * _normal(p.shape, 6), v)
  v["batch_stats"]["var"] = jnp.abs(v["batch_stats"]["var"])

  def train(m, kw):
    def f(v, x):
      y, stats = m.apply(v, x, mutable=["batch_stats"], **kw)
      return jnp.sum(jnp.sin(y) * jnp.arange(y.shape[-1])), (y, stats)
    return jax.grad(f, (0, 1), has_aux=True)(v, x)

  def infer(m, kw):
    return m.apply(v, x, **kw)

  frozen = batch_norm.BatchNorm(use_running_average=True, **kwargs)
  got = jax.jit(lambda v, x: (train(ours, {}), infer(frozen, {})))(v, x)
  want = jax.jit(lambda v, x: (train(theirs, dict(use_running_average=False)),
                               infer(theirs, dict(use_running_average=True))))(v, x)
  jax.tree.map(lambda p, q: np.testing.assert_allclose(p, q, **TOL), got, want)


def test_batch_norm_in_bfloat16_keeps_float32_statistics():
  x = _normal((16, 4, 4, 8), 7, jnp.bfloat16)
  m = batch_norm.BatchNorm(momentum=0.9)
  v = jax.tree.map(lambda p: p.astype(jnp.bfloat16), m.init(jax.random.key(0), x))
  v["batch_stats"] = m.init(jax.random.key(0), x)["batch_stats"]
  y, stats = m.apply(v, x, mutable=["batch_stats"])
  assert y.dtype == jnp.bfloat16
  assert stats["batch_stats"]["mean"].dtype == jnp.float32
  want = nn.BatchNorm(momentum=0.9, use_running_average=False).apply(v, x,
                                                                     mutable=["batch_stats"])
  np.testing.assert_allclose(np.float32(y), np.float32(want[0]), rtol=2e-2, atol=2e-2)
  np.testing.assert_allclose(stats["batch_stats"]["var"], want[1]["batch_stats"]["var"],
                             rtol=1e-5)
