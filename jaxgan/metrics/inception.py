"""Inception-v3 as the FID literature uses it, in Flax, with weights from a user's file.

The network is the `pt_inception-2015-12-05` graph of Heusel et al.'s TTUR code, as ported to
PyTorch by pytorch-fid (Seitzer, 2020): torchvision's Inception-v3 layout with 1008 logits and
the FID-specific blocks -- average pools that do not count padding (blocks A, C and the first
E) and a max-pool in the branch_pool of the last E block. Inputs are resized to 299x299 with
bilinear interpolation (half-pixel centres, no antialiasing: torch's `align_corners=False`);
the 2048-d features are the global average pool before the classifier.

Weights file (`--config.eval.inception_weights=PATH`)
----------------------------------------------------
An .npz of the PyTorch state dict, arrays in PyTorch layout under their state-dict names
(`Conv2d_1a_3x3.conv.weight` [32, 3, 3, 3], `Mixed_5b.branch1x1.bn.running_mean`, ...,
`fc.weight` [1008, 2048]). Make it once from pytorch-fid's public file

  https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth

with `python -m jaxgan.tools.convert_inception pt_inception-2015-12-05-6726825d.pth
inception_fid.npz` (needs torch, only for that command). That file's sha256 is
PT_INCEPTION_SHA256 below (95,628,359 bytes); the converter checks it. Nothing is downloaded
by jaxgan.
"""

import functools
import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgan.errors import UserError
from jaxgan.file_hash import file_sha256

# sha256 of pytorch-fid's pt_inception-2015-12-05-6726825d.pth (torch.hub names files by it).
PT_INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
FEATURE_DIM = 2048
NUM_LOGITS = 1008
INPUT_SIZE = 299
_HIGHEST = jax.lax.Precision.HIGHEST  # FID is sensitive to feature precision (TPU/GPU tf32).


def _same(kh: int, kw: int):
  return ((kh // 2, kh // 2), (kw // 2, kw // 2))


class BasicConv(nn.Module):
  """Conv (no bias) -> BatchNorm(eps=1e-3, inference statistics) -> ReLU."""
  features: int
  kernel: tuple = (1, 1)
  strides: tuple = (1, 1)
  padding: tuple | str = "VALID"

  @nn.compact
  def __call__(self, x):
    x = nn.Conv(self.features, self.kernel, self.strides, self.padding, use_bias=False,
                precision=_HIGHEST, name="conv")(x)
    x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, name="bn")(x)
    return nn.relu(x)


def _avg_pool_3x3(x):
  # FID variant: padding is not counted in the average (count_include_pad=False).
  return nn.avg_pool(x, (3, 3), (1, 1), ((1, 1), (1, 1)), count_include_pad=False)


def _max_pool_3x3_s2(x):
  return nn.max_pool(x, (3, 3), (2, 2))


class InceptionA(nn.Module):
  pool_features: int

  @nn.compact
  def __call__(self, x):
    b1 = BasicConv(64, name="branch1x1")(x)
    b5 = BasicConv(48, name="branch5x5_1")(x)
    b5 = BasicConv(64, (5, 5), padding=_same(5, 5), name="branch5x5_2")(b5)
    b3 = BasicConv(64, name="branch3x3dbl_1")(x)
    b3 = BasicConv(96, (3, 3), padding=_same(3, 3), name="branch3x3dbl_2")(b3)
    b3 = BasicConv(96, (3, 3), padding=_same(3, 3), name="branch3x3dbl_3")(b3)
    bp = BasicConv(self.pool_features, name="branch_pool")(_avg_pool_3x3(x))
    return jnp.concatenate([b1, b5, b3, bp], axis=-1)


class InceptionB(nn.Module):
  @nn.compact
  def __call__(self, x):
    b3 = BasicConv(384, (3, 3), (2, 2), name="branch3x3")(x)
    bd = BasicConv(64, name="branch3x3dbl_1")(x)
    bd = BasicConv(96, (3, 3), padding=_same(3, 3), name="branch3x3dbl_2")(bd)
    bd = BasicConv(96, (3, 3), (2, 2), name="branch3x3dbl_3")(bd)
    return jnp.concatenate([b3, bd, _max_pool_3x3_s2(x)], axis=-1)


class InceptionC(nn.Module):
  channels_7x7: int

  @nn.compact
  def __call__(self, x):
    c7 = self.channels_7x7
    b1 = BasicConv(192, name="branch1x1")(x)
    b7 = BasicConv(c7, name="branch7x7_1")(x)
    b7 = BasicConv(c7, (1, 7), padding=_same(1, 7), name="branch7x7_2")(b7)
    b7 = BasicConv(192, (7, 1), padding=_same(7, 1), name="branch7x7_3")(b7)
    bd = BasicConv(c7, name="branch7x7dbl_1")(x)
    for index, (kernel, out) in enumerate([((7, 1), c7), ((1, 7), c7), ((7, 1), c7),
                                           ((1, 7), 192)], start=2):
      bd = BasicConv(out, kernel, padding=_same(*kernel), name=f"branch7x7dbl_{index}")(bd)
    bp = BasicConv(192, name="branch_pool")(_avg_pool_3x3(x))
    return jnp.concatenate([b1, b7, bd, bp], axis=-1)


class InceptionD(nn.Module):
  @nn.compact
  def __call__(self, x):
    b3 = BasicConv(192, name="branch3x3_1")(x)
    b3 = BasicConv(320, (3, 3), (2, 2), name="branch3x3_2")(b3)
    b7 = BasicConv(192, name="branch7x7x3_1")(x)
    b7 = BasicConv(192, (1, 7), padding=_same(1, 7), name="branch7x7x3_2")(b7)
    b7 = BasicConv(192, (7, 1), padding=_same(7, 1), name="branch7x7x3_3")(b7)
    b7 = BasicConv(192, (3, 3), (2, 2), name="branch7x7x3_4")(b7)
    return jnp.concatenate([b3, b7, _max_pool_3x3_s2(x)], axis=-1)


class InceptionE(nn.Module):
  max_pool: bool  # The last block of the FID graph max-pools its pool branch.

  @nn.compact
  def __call__(self, x):
    b1 = BasicConv(320, name="branch1x1")(x)
    b3 = BasicConv(384, name="branch3x3_1")(x)
    b3 = jnp.concatenate([
        BasicConv(384, (1, 3), padding=_same(1, 3), name="branch3x3_2a")(b3),
        BasicConv(384, (3, 1), padding=_same(3, 1), name="branch3x3_2b")(b3)], axis=-1)
    bd = BasicConv(448, name="branch3x3dbl_1")(x)
    bd = BasicConv(384, (3, 3), padding=_same(3, 3), name="branch3x3dbl_2")(bd)
    bd = jnp.concatenate([
        BasicConv(384, (1, 3), padding=_same(1, 3), name="branch3x3dbl_3a")(bd),
        BasicConv(384, (3, 1), padding=_same(3, 1), name="branch3x3dbl_3b")(bd)], axis=-1)
    if self.max_pool:
      pooled = nn.max_pool(x, (3, 3), (1, 1), ((1, 1), (1, 1)))
    else:
      pooled = _avg_pool_3x3(x)
    bp = BasicConv(192, name="branch_pool")(pooled)
    return jnp.concatenate([b1, b3, bd, bp], axis=-1)


class InceptionV3FID(nn.Module):
  """x: [N, H, W, 3] in [-1, 1] -> {"features": [N, 2048], "logits": [N, 1008]}.

  `resize=True` resizes to 299x299 first (the FID protocol); False feeds x as it is (any size
  of at least 75x75), which the tests use to stay small.
  """
  resize: bool = True

  @nn.compact
  def __call__(self, x):
    x = x.astype(jnp.float32)
    if self.resize:
      x = jax.image.resize(x, (x.shape[0], INPUT_SIZE, INPUT_SIZE, x.shape[-1]), "bilinear",
                           antialias=False)
    x = BasicConv(32, (3, 3), (2, 2), name="Conv2d_1a_3x3")(x)
    x = BasicConv(32, (3, 3), name="Conv2d_2a_3x3")(x)
    x = BasicConv(64, (3, 3), padding=_same(3, 3), name="Conv2d_2b_3x3")(x)
    x = _max_pool_3x3_s2(x)
    x = BasicConv(80, name="Conv2d_3b_1x1")(x)
    x = BasicConv(192, (3, 3), name="Conv2d_4a_3x3")(x)
    x = _max_pool_3x3_s2(x)
    x = InceptionA(32, name="Mixed_5b")(x)
    x = InceptionA(64, name="Mixed_5c")(x)
    x = InceptionA(64, name="Mixed_5d")(x)
    x = InceptionB(name="Mixed_6a")(x)
    for name, c7 in [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)]:
      x = InceptionC(c7, name=name)(x)
    x = InceptionD(name="Mixed_7a")(x)
    x = InceptionE(max_pool=False, name="Mixed_7b")(x)
    x = InceptionE(max_pool=True, name="Mixed_7c")(x)
    features = jnp.mean(x, axis=(1, 2))
    logits = nn.Dense(NUM_LOGITS, precision=_HIGHEST, name="fc")(features)
    return {"features": features, "logits": logits}


# -- weights -------------------------------------------------------------------------------
# flax leaf name -> (PyTorch suffix, how a PyTorch array becomes the flax one).
_CONV = {"kernel": ("weight", lambda w: np.transpose(w, (2, 3, 1, 0)))}  # OIHW -> HWIO
_DENSE = {"kernel": ("weight", np.transpose), "bias": ("bias", None)}
_BN_PARAMS = {"scale": ("weight", None), "bias": ("bias", None)}
_BN_STATS = {"mean": ("running_mean", None), "var": ("running_var", None)}


def _torch_entries(abstract_variables) -> dict[str, tuple]:
  """{torch name: (flax collection, flax path, flax shape, converter)} for every variable."""
  entries = {}
  for collection, tree in abstract_variables.items():
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
      names = [p.key for p in path]
      owner, leaf_name = names[-2], names[-1]
      table = (_BN_STATS if collection == "batch_stats" else
               _BN_PARAMS if owner == "bn" else _DENSE if owner == "fc" else _CONV)
      suffix, convert = table[leaf_name]
      entries[".".join(names[:-1] + [suffix])] = (collection, names, leaf.shape, convert)
  return entries


@functools.lru_cache(maxsize=1)
def abstract_variables(resize: bool = False):
  """ShapeDtypeStructs of the Flax variables ({"params", "batch_stats"})."""
  x = jnp.zeros((1, 75, 75, 3), jnp.float32)
  return jax.eval_shape(lambda: InceptionV3FID(resize=resize).init(jax.random.PRNGKey(0), x))


def torch_shapes() -> dict[str, tuple]:
  """{PyTorch state-dict name: PyTorch shape} the weights file must hold."""
  shapes = {}
  for name, (_, _, shape, convert) in _torch_entries(abstract_variables()).items():
    if convert is not None and len(shape) == 4:
      shape = (shape[3], shape[2], shape[0], shape[1])  # HWIO -> OIHW
    elif convert is not None:
      shape = tuple(reversed(shape))
    shapes[name] = tuple(shape)
  return shapes


def load_weights(path: str) -> dict:
  """Flax variables from an .npz of the PyTorch state dict; UserError naming the problem."""
  field = "config.eval.inception_weights"
  if not path:
    raise UserError(f"{field} is empty: inception-v3 needs its weights; convert "
                    f"pt_inception-2015-12-05-6726825d.pth with "
                    f"`python -m jaxgan.tools.convert_inception` (see jaxgan/metrics/inception.py)")
  if not os.path.isfile(path):
    raise UserError(f"{field}={path!r}: no such file; convert pt_inception-2015-12-05-6726825d.pth"
                    f" with `python -m jaxgan.tools.convert_inception IN.pth OUT.npz`")
  try:
    with np.load(path) as npz:
      arrays = {name: npz[name] for name in npz.files}
  except Exception as error:  # Not a zip, truncated, pickled objects...
    raise UserError(f"{field}={path!r}: not a readable .npz ({type(error).__name__}); make it "
                    f"with `python -m jaxgan.tools.convert_inception`") from None
  variables = {"params": {}, "batch_stats": {}}
  expected = torch_shapes()
  for name, (collection, names, shape, convert) in _torch_entries(abstract_variables()).items():
    if name not in arrays:
      raise UserError(f"{field}={path!r}: missing array {name!r} (shape {expected[name]}); is it "
                      f"the pt_inception-2015-12-05 state dict?")
    value = np.asarray(arrays[name], np.float32)
    if value.shape != expected[name]:
      raise UserError(f"{field}={path!r}: array {name!r} has shape {value.shape}, expected "
                      f"{expected[name]}; is it the pt_inception-2015-12-05 state dict?")
    node = variables[collection]
    for key in names[:-1]:
      node = node.setdefault(key, {})
    node[names[-1]] = value if convert is None else np.ascontiguousarray(convert(value))
  unknown = sorted(set(arrays) - set(expected) - {n for n in arrays if "num_batches" in n})
  if unknown:
    raise UserError(f"{field}={path!r}: unexpected array {unknown[0]!r} ({len(unknown)} in all); "
                    f"is it the pt_inception-2015-12-05 state dict?")
  return variables
