"""jaxgan.ops.conv and jaxgan.models.layers against lax / flax: outputs and both gradients."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxgan.models import layers
from jaxgan.ops import conv as conv_ops

DN = ("NHWC", "HWIO", "NHWC")
TOL = dict(rtol=1e-4, atol=2e-5)


def _reference(kind, strides, padding):
  if kind == "conv":
    return lambda x, w: lax.conv_general_dilated(x, w, strides, padding, dimension_numbers=DN)
  return lambda x, w: lax.conv_transpose(x, w, strides, padding, dimension_numbers=DN)


def _ours(kind, strides, padding, impl="fast"):
  op = conv_ops.conv2d if kind == "conv" else conv_ops.conv_transpose2d
  return lambda x, w: op(x, w, strides, padding, impl)


def _compare(kind, x_shape, k, out_ch, strides, padding, seed=0):
  rng = np.random.default_rng(seed)
  x = jnp.asarray(rng.standard_normal(x_shape), jnp.float32)
  w = jnp.asarray(rng.standard_normal((k[0], k[1], x_shape[-1], out_ch)) / np.sqrt(
      k[0] * k[1] * x_shape[-1]), jnp.float32)
  ref, ours = _reference(kind, strides, padding), _ours(kind, strides, padding)
  y_shape = jax.eval_shape(ref, x, w).shape
  g = jnp.asarray(rng.standard_normal(y_shape), jnp.float32)

  @jax.jit
  def both(x, w, g):
    out = []
    for f in (ref, ours):
      y, vjp = jax.vjp(f, x, w)
      out.append((y, *vjp(g)))
    return out

  (y0, dx0, dw0), (y1, dx1, dw1) = both(x, w, g)
  assert y1.shape == y0.shape
  np.testing.assert_allclose(y1, y0, err_msg="output", **TOL)
  np.testing.assert_allclose(dx1, dx0, err_msg="grad x", **TOL)
  np.testing.assert_allclose(dw1, dw0, err_msg="grad w", **TOL)


PADDINGS = ["SAME", "VALID", ((1, 2), (0, 3))]


@pytest.mark.parametrize("kind", ["conv", "transpose"])
@pytest.mark.parametrize("strides", [(1, 1), (2, 2), (3, 1)])
@pytest.mark.parametrize("padding", PADDINGS, ids=str)
def test_odd_sizes_strides_paddings(kind, strides, padding):
  _compare(kind, (3, 7, 9, 5), (3, 4), 3, strides, padding)


@pytest.mark.parametrize("kind", ["conv", "transpose"])
@pytest.mark.parametrize("k,strides", [(1, (1, 1)), (1, (2, 2)), (3, (2, 3)), (5, (1, 1)),
                                       (5, (3, 3))])
def test_kernel_sizes(kind, k, strides):
  _compare(kind, (1, 8, 7, 3), (k, k), 5, strides, ((k // 2, (k - 1) // 2),) * 2)


@pytest.mark.parametrize("kind,x_shape,out_ch,padding", [
    ("conv", (3, 9, 9, 1), 5, "SAME"),         # one input channel
    ("conv", (1, 9, 7, 5), 1, "VALID"),        # one output channel
    ("transpose", (3, 5, 6, 5), 1, "SAME"),
    ("transpose", (1, 4, 4, 1), 3, ((3, 3), (3, 3))),   # padding > kernel - 1: crops
])
def test_channels(kind, x_shape, out_ch, padding):
  _compare(kind, x_shape, (3, 3), out_ch, (2, 2), padding)


@pytest.mark.parametrize("kind", ["conv", "transpose"])
def test_dcgan_shapes(kind):
  # The DCGAN layers: k4 s2 p1 halving conv and the out = 2 * in transposed conv.
  pad = ((1, 1), (1, 1)) if kind == "conv" else ((2, 2), (2, 2))
  _compare(kind, (2, 8, 8, 4), (4, 4), 6, (2, 2), pad)


@pytest.mark.parametrize("split", [True, False], ids=["by_phase", "one_conv"])
@pytest.mark.parametrize("kind,x_shape,k,strides,padding", [
    ("transpose", (2, 4, 4, 5), (4, 4), (2, 2), ((2, 2), (2, 2))),   # DCGAN G: 4x4 -> 8x8
    ("conv", (2, 8, 8, 5), (4, 4), (2, 2), ((1, 1), (1, 1))),        # DCGAN D: 8x8 -> 4x4
    ("transpose", (1, 3, 5, 2), (3, 3), (3, 3), ((2, 1), (0, 2))),
    ("conv", (1, 9, 6, 2), (5, 3), (3, 2), ((2, 2), (1, 0))),
    ("transpose", (3, 7, 9, 5), (3, 4), (2, 2), "SAME"),             # unequal phases
])
def test_input_gradient_split_by_phase(monkeypatch, split, kind, x_shape, k, strides, padding):
  # _dx runs one convolution per stride phase when the single one would waste enough rows;
  # both forms must give the same numbers wherever either is chosen.
  monkeypatch.setattr(conv_ops, "_SPLIT_PHASES_WASTE", 1.0 if split else float("inf"))
  _compare(kind, x_shape, k, 3, strides, padding)


def test_small_transposed_conv_runs_one_conv_per_phase():
  # The 4x4 -> 8x8 transposed conv of the DCGAN generators computes 25 rows per phase in one
  # convolution where 16 are needed; it must take the per-phase form (4 convolutions).
  x, w = jnp.ones((2, 4, 4, 8)), jnp.ones((4, 4, 8, 6))
  jaxpr = jax.make_jaxpr(lambda x, w: conv_ops.conv_transpose2d(x, w, 2, ((2, 2), (2, 2)),
                                                                "fast"))(x, w)
  assert str(jaxpr).count("conv_general_dilated") == 4


def test_explicit_mesh_sharding():
  # The train step shards the batch over an explicit mesh: reshapes and contractions over
  # the batch need explicit output shardings there.
  mesh = jax.make_mesh((jax.device_count(),), ("data",),
                       axis_types=(jax.sharding.AxisType.Explicit,))
  n = 2 * jax.device_count()
  rng = np.random.default_rng(1)
  x = jnp.asarray(rng.standard_normal((n, 6, 6, 3)), jnp.float32)
  w = jnp.asarray(rng.standard_normal((4, 4, 3, 4)), jnp.float32)
  wt = jnp.asarray(rng.standard_normal((4, 4, 3, 2)), jnp.float32)

  def loss(impl):
    def f(x, w, wt):
      a = conv_ops.conv2d(x, w, (2, 2), ((1, 1), (1, 1)), impl)
      b = conv_ops.conv_transpose2d(x, wt, (2, 2), ((2, 2), (2, 2)), impl)
      return jnp.sum(a ** 2) + jnp.sum(jnp.sin(b))
    return f

  want = jax.jit(jax.value_and_grad(loss("xla"), (0, 1, 2)))(x, w, wt)
  with jax.set_mesh(mesh):
    xs = jax.device_put(x, NamedSharding(mesh, P("data")))
    got = jax.jit(jax.value_and_grad(loss("fast"), (0, 1, 2)))(xs, w, wt)
  for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_second_order_gradient():
  # Gradient penalties differentiate a gradient w.r.t. the input: grad of grad must work.
  rng = np.random.default_rng(2)
  x = jnp.asarray(rng.standard_normal((2, 6, 6, 3)), jnp.float32)
  w = jnp.asarray(rng.standard_normal((4, 4, 3, 4)) * 0.2, jnp.float32)

  def penalty(impl):
    def d(x, w):
      return jnp.sum(jnp.tanh(conv_ops.conv2d(x, w, (2, 2), ((1, 1), (1, 1)), impl)))
    return lambda w: jnp.sum(jax.grad(d)(x, w) ** 2)

  np.testing.assert_allclose(jax.jit(jax.grad(penalty("fast")))(w),
                             jax.jit(jax.grad(penalty("xla")))(w), rtol=1e-4, atol=1e-5)


def test_auto_and_bad_impl():
  assert conv_ops.resolve_impl("auto") == ("fast" if jax.default_backend() == "cpu" else "xla")
  with pytest.raises(ValueError, match="impl"):
    conv_ops.conv2d(jnp.ones((1, 4, 4, 1)), jnp.ones((3, 3, 1, 1)), 1, "SAME", "cudnn")


def test_layers_init_like_flax():
  # Same parameter names, shapes and initial values as flax's layers (one compile for all).
  x = jnp.zeros((2, 7, 7, 3))
  pairs = [(layers.Conv(5, (4, 4), (2, 2), padding=((1, 1), (1, 1))),
            nn.Conv(5, (4, 4), (2, 2), padding=((1, 1), (1, 1)))),
           (layers.ConvTranspose(5, (4, 4), (2, 2), padding="SAME", use_bias=False),
            nn.ConvTranspose(5, (4, 4), (2, 2), padding="SAME", use_bias=False))]
  got, want = jax.jit(lambda k: ([a.init(k, x) for a, _ in pairs],
                                 [b.init(k, x) for _, b in pairs]))(jax.random.key(1))
  assert jax.tree.structure(got) == jax.tree.structure(want)
  jax.tree.map(np.testing.assert_array_equal, got, want)


@pytest.mark.parametrize("ours,theirs,padding", [
    (layers.Conv, nn.Conv, ((1, 1), (1, 1))),
    (layers.Conv, nn.Conv, "SAME"),
    (layers.ConvTranspose, nn.ConvTranspose, ((2, 2), (2, 2))),
    (layers.ConvTranspose, nn.ConvTranspose, "SAME"),
])
def test_layers_match_flax(ours, theirs, padding):
  rng = np.random.default_rng(3)
  x = jnp.asarray(rng.standard_normal((2, 7, 7, 3)), jnp.float32)
  a = ours(5, (4, 4), (2, 2), padding=padding, impl="fast")
  b = theirs(5, (4, 4), (2, 2), padding=padding)
  shapes = jax.eval_shape(b.init, jax.random.key(0), x)
  assert jax.tree.map(lambda s: s.shape, jax.eval_shape(a.init, jax.random.key(0), x)) == (
      jax.tree.map(lambda s: s.shape, shapes))
  v = jax.tree.map(lambda s: jnp.asarray(rng.standard_normal(s.shape), jnp.float32), shapes)

  def out_and_grads(m):
    return (m.apply(v, x),
            jax.grad(lambda v, x: jnp.sum(jnp.sin(m.apply(v, x))), (0, 1))(v, x))

  got, want = jax.jit(lambda: (out_and_grads(a), out_and_grads(b)))()
  jax.tree.map(lambda p, q: np.testing.assert_allclose(p, q, **TOL), got, want)


def test_dcgan_layer_shapes():
  x = jnp.zeros((2, 14, 14, 8))
  down = layers.Conv(16, (4, 4), (2, 2), padding=((1, 1), (1, 1)))
  up = layers.ConvTranspose(4, (4, 4), (2, 2), padding=((2, 2), (2, 2)))
  for m, shape in ((down, (2, 7, 7, 16)), (up, (2, 28, 28, 4))):
    v = jax.eval_shape(m.init, jax.random.key(0), x)
    assert jax.eval_shape(m.apply, v, x).shape == shape
