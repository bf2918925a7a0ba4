"""The `mmnist-c3d` feature network: jaxgan/kinds/video_gan/c3d.py with the weights shipped in
jaxgan/kinds/video_gan/weights/mmnist_c3d.msgpack (trained by `python -m jaxgan.kinds.video_gan.train_c3d`).

Like lenet-mnist, the shipped file is checked against its recorded sha256 on load, so a number
named `fvd[mmnist-c3d]` always comes from the same weights.
"""

import functools
import hashlib
import os

import flax.serialization
import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.errors import UserError
from jaxgan.kinds.video_gan import c3d

NAME = "mmnist-c3d"
C3D_WEIGHTS = os.path.join(os.path.dirname(__file__), "weights", "mmnist_c3d.msgpack")
# sha256 of the shipped C3D_WEIGHTS (printed by python -m jaxgan.kinds.video_gan.train_c3d).
C3D_SHA256 = "af49b21bffdc4ca00ab019683b0c0639eaf838a75dc83c731e7fcc9af29b7206"


def template():
  """The variables a C3D weight file must match (shapes and tree)."""
  return jax.eval_shape(c3d.C3D().init, jax.random.PRNGKey(0), jnp.zeros((1, 4, 32, 32, 1)))


def save(params, path: str) -> str:
  """Writes {"params": params} as flax msgpack; returns its sha256."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  data = flax.serialization.to_bytes({"params": jax.device_get(params)})
  with open(path, "wb") as f:
    f.write(data)
  return hashlib.sha256(data).hexdigest()


def load(path: str = "", expected_sha256: str | None = None):
  """(variables, sha256) of a C3D weight file; "" is the shipped one, checked by sha256."""
  shipped = not path or os.path.abspath(path) == os.path.abspath(C3D_WEIGHTS)
  path = path or C3D_WEIGHTS
  field = "config.eval.c3d_weights"
  if not os.path.isfile(path):
    if shipped:
      raise UserError(f"{field}='': the shipped {NAME} weights {path} are missing; reinstall "
                      f"jaxgan or pass {field}=PATH from python -m jaxgan.kinds.video_gan.train_c3d")
    raise UserError(f"{field}={path!r}: no such file")
  with open(path, "rb") as f:
    data = f.read()
  digest = hashlib.sha256(data).hexdigest()
  expected = C3D_SHA256 if shipped and expected_sha256 is None else expected_sha256
  if expected and digest != expected:
    raise UserError(f"{path}: sha256 {digest} is not the expected {expected}; reinstall jaxgan "
                    f"(or retrain with python -m jaxgan.kinds.video_gan.train_c3d)")
  want = template()
  try:
    variables = flax.serialization.from_bytes(want, data)
  except Exception as error:  # msgpack and flax raise many types for a wrong file.
    raise UserError(f"{field}={path!r}: not {NAME} weights ({type(error).__name__})") from None
  for (where, leaf), got in zip(jax.tree_util.tree_flatten_with_path(want)[0],
                                jax.tree.leaves(variables)):
    if np.shape(got) != tuple(leaf.shape):
      raise UserError(f"{field}={path!r}: {jax.tree_util.keystr(where)} has shape "
                      f"{np.shape(got)}, {NAME} needs {tuple(leaf.shape)}")
  return jax.tree.map(jnp.asarray, variables), digest


@functools.lru_cache(maxsize=2)
def network(path: str = ""):
  """(jitted apply(variables, clips [N, T, H, W, 1] in [-1, 1]) -> outputs, variables, sha)."""
  variables, digest = load(path)
  return jax.jit(c3d.C3D().apply), variables, digest
