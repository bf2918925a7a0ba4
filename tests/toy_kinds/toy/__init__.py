"""A toy kind, written as a user would add one: this folder and nothing else.

It learns the mean image of two streams of the shipped MNIST (two orders of the same split,
so the loop's multi-stream path is exercised) by gradient descent on the squared error. The
test puts this folder's parent on jaxgan.kinds.__path__; no core file names it.
"""

import dataclasses
import functools
from typing import Any

import flax.struct
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax

from jaxgan import images
from jaxgan import interface
from jaxgan import state as state_lib
from jaxgan.data import spec
from jaxgan.errors import require


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.toy = ml_collections.ConfigDict()
  c.toy.lr = 0.5
  c.toy.scale = 1.0                 # Multiplies the loss; a step argument, so sweepable.
  return c


@flax.struct.dataclass
class ToyState:
  step: jax.Array       # Every kind's state has its step here; the loop reads it.
  net: Any


def toy_step(state, batch, *, tx, scale=1.0):
  data = jnp.concatenate([batch["first"]["image"], batch["second"]["image"]])

  def loss_fn(params):
    return scale * jnp.mean((data - params["mean"][None]) ** 2)

  loss, grads = jax.value_and_grad(loss_fn)(state.net.params)
  net = state.net.apply_gradients(tx, grads)
  return ToyState(step=state.step + 1, net=net), {"loss": loss}


@dataclasses.dataclass(frozen=True)
class ToyKind(interface.Kind):
  progress_keys = ("loss",)
  sweep_axes = {"scale": ("toy.scale", "scale")}

  @classmethod
  def default_config(cls):
    return default_config()

  @staticmethod
  def validate_config(config):
    require(config.toy.lr > 0, "toy.lr", config.toy.lr, "must be positive")

  @property
  def tx(self):
    return optax.sgd(self.config.toy.lr)

  def streams(self):
    c = self.config
    features = {"image": spec.Feature(tuple(c.data.image_shape), "uint8")}
    return {"first": spec.Stream(c.data.name, c.data.split, features, c.batch_size),
            "second": spec.Stream(c.data.name, c.data.split, features, c.batch_size,
                                  seed_offset=1)}

  def init(self):
    params = {"mean": jnp.zeros(tuple(self.config.data.image_shape), jnp.float32)}
    net = state_lib.Network(params=params, collections={}, opt_state=self.tx.init(params))
    return ToyState(step=jnp.zeros((), jnp.int32), net=net)

  @property
  def step(self):
    return functools.partial(toy_step, tx=self.tx)

  def visuals(self, state):
    return {"mean": images.make_grid(np.asarray(state.net.params["mean"])[None], 1)}

  def evaluate(self, state):
    return {"mean_pixel": float(jnp.mean(state.net.params["mean"]))}


KIND = ToyKind
