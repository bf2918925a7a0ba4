"""The sweep batching rule of jaxgan/ops/member_conv.py: vmapped over members, the fast
convolutions (values, gradients, gradients of gradients) equal each member's own lax one."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgan.ops import conv
from jaxgan.ops import member_conv

K = 3


def _loss(impl, transpose, x, w):
  if transpose:
    y = conv.conv_transpose2d(x, w, (2, 2), ((2, 2), (2, 2)), impl=impl)
  else:
    y = conv.conv2d(x, w, (2, 2), ((1, 1), (1, 1)), impl=impl)
  return jnp.sum(jnp.tanh(y) * jnp.arange(y.size, dtype=y.dtype).reshape(y.shape) / y.size)


def _penalised(impl, transpose, x, w):
  # A gradient penalty's shape: the gradient in x, differentiated again in w.
  gx = jax.grad(_loss, argnums=2)(impl, transpose, x, w)
  return jnp.sum(gx ** 2)


@pytest.mark.parametrize("member_loop", ["unroll", "map"])
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("shared_input", [False, True])
def test_vmapped_fast_conv_matches_each_members_lax(monkeypatch, member_loop, transpose,
                                                     shared_input):
  monkeypatch.setattr(member_conv, "MEMBER_LOOP", member_loop)
  keys = jax.random.split(jax.random.PRNGKey(0), 2)
  x = jax.random.normal(keys[0], ((1 if shared_input else K), 2, 5, 6, 4))
  w = jax.random.normal(keys[1], (K, 4, 4, 4, 5)) * 0.3
  x_axis = None if shared_input else 0
  xs = x[0] if shared_input else x
  for fn in (_loss, _penalised):
    got = jax.jit(jax.vmap(jax.value_and_grad(fn, argnums=3), in_axes=(None, None, x_axis, 0)),
                  static_argnums=(0, 1))("fast", transpose, xs, w)
    for i in range(K):
      want = jax.value_and_grad(fn, argnums=3)("xla", transpose, x[0 if shared_input else i],
                                               w[i])
      np.testing.assert_allclose(got[0][i], want[0], rtol=2e-5, atol=1e-5)
      np.testing.assert_allclose(got[1][i], want[1], rtol=2e-4, atol=2e-5)


def test_both_batched_members_are_not_a_grouped_convolution(monkeypatch):
  x = jnp.ones((K, 2, 6, 6, 4))
  w = jnp.ones((K, 3, 3, 4, 8))
  for loop, grouped in (("unroll", False), ("group", True)):
    monkeypatch.setattr(member_conv, "MEMBER_LOOP", loop)
    # A new function each time: jit would reuse the trace made under the other setting.
    step = jax.vmap(jax.grad(lambda x, w: jnp.sum(conv.conv2d(x, w, impl="fast") ** 2),
                             argnums=1))
    text = jax.jit(step).lower(x, w).as_text()
    assert (f"group_count = {K}" in text) == grouped, loop  # feature_ or batch_group_count.
