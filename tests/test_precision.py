"""Mixed precision: bfloat16 compute with float32 parameters, optimizer state and EMA."""

import jax
import jax.numpy as jnp
import numpy as np

from jaxgan import builder
from jaxgan import parallel


def _one_step(config):
  exp = builder.build(config)
  mesh = parallel.make_mesh()
  state = exp.init_state(mesh)
  images = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
  batch = parallel.put_batch({"train": {"image": images}}, parallel.batch_sharding(mesh))
  return exp, exp.jit_step(mesh)(state, batch)


def test_bfloat16_computes_in_bfloat16_and_keeps_float32_state(tiny_config):
  exp32, (state32, metrics32) = _one_step(tiny_config)
  tiny_config.model.dtype = "bfloat16"
  exp16, (state16, metrics16) = _one_step(tiny_config)
  floats = [x for x in jax.tree.leaves(state16) if jnp.issubdtype(x.dtype, jnp.floating)]
  assert floats and all(x.dtype == jnp.float32 for x in floats)
  for name in ("d_loss", "g_loss"):
    assert np.isfinite(metrics16[name])
    # Same function, rounder arithmetic: close to float32, but not bit-identical.
    np.testing.assert_allclose(metrics16[name], metrics32[name], rtol=0.05)
  assert any(not np.array_equal(a, b) for a, b in zip(jax.tree.leaves(state16.g.params),
                                                        jax.tree.leaves(state32.g.params)))
  z, _ = exp16.fixed_latents(4, 2)
  images = exp16.generate(state16, z, None, use_ema=False)
  assert images.dtype == jnp.float32 and images.shape == (4, 28, 28, 1)
