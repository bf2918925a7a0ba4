"""Mixed precision at the module boundary: bfloat16 compute, float32 parameters and state.

`config.model.dtype='bfloat16'` wraps G and D so that every `apply` casts the float
parameters and inputs to bfloat16 and returns float32 outputs. Parameters, optimizer state
and the EMA stay float32 (gradients come back through the casts as float32), and the
losses are computed in float32. Flax layers compute in the dtype of their inputs and
parameters, so this reaches every layer of every architecture, including ones without a
`dtype` argument; BatchNorm still reduces its statistics in float32 and keeps them float32.
Worth it on GPU/TPU (bfloat16 matmuls and convolutions); on CPU it is slower.
"""

import jax
import jax.numpy as jnp

DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def cast_floats(tree, dtype):
  """`tree` with its floating-point leaves cast to `dtype`; integers (labels) unchanged."""
  return jax.tree.map(
      lambda x: x.astype(dtype) if jnp.issubdtype(jnp.result_type(x), jnp.floating) else x, tree)


class MixedPrecision:
  """A Flax module computed in `dtype`: `init` is the module's own (float32 parameters)."""

  def __init__(self, module, dtype):
    self.module = module
    self.dtype = dtype

  def init(self, *args, **kwargs):
    return self.module.init(*args, **kwargs)

  def apply(self, variables, *inputs, **kwargs):
    variables = {**variables, "params": cast_floats(variables["params"], self.dtype)}
    outputs = self.module.apply(variables, *cast_floats(inputs, self.dtype), **kwargs)
    if kwargs.get("mutable"):
      outputs, collections = outputs
      return cast_floats(outputs, jnp.float32), collections
    return cast_floats(outputs, jnp.float32)

  def __getattr__(self, name):  # Attributes (num_classes, ...) are the module's.
    return getattr(self.module, name)


def apply_policy(dtype_name: str, *modules):
  """The modules wrapped to compute in `dtype_name`; unchanged for float32."""
  if dtype_name == "float32":
    return modules
  return tuple(MixedPrecision(m, DTYPES[dtype_name]) for m in modules)
