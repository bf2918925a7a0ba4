"""The classifier kind: a LeNet-style CNN trained on labelled images.

It shares the GAN's training loop, checkpoints, exact resume and --mode=eval; the trained
MNIST network is the feature network of jaxgan.metrics (see jaxgan/tools/classifier_weights.py).
"""

import dataclasses
import functools
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import interface
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.data import spec
from jaxgan.kinds.classifier import config as config_lib
from jaxgan.kinds.classifier import step as step_lib

_EVAL_BATCH_SIZE = 1000


@dataclasses.dataclass(frozen=True)
class ClassifierKind(interface.Kind):
  model: nn.Module = None
  tx: optax.GradientTransformation = None

  progress_keys = ("loss", "accuracy")
  sweep_axes = {"lr": ("optim.lr", None)}

  config_module = config_lib

  @classmethod
  def from_config(cls, config) -> "ClassifierKind":
    return cls(config=config,
               model=config_lib.ARCHITECTURES[config.model.architecture](config.model),
               tx=optimizers.make(config.optim, config.optim.lr))

  def streams(self) -> dict[str, spec.Stream]:
    c = self.config
    features = {"image": spec.Feature(tuple(c.data.image_shape), "uint8"),
                "label": spec.Feature((), "int32", below=c.model.num_classes)}
    return {step_lib.STREAM: spec.Stream(c.data.name, c.data.split, features, c.batch_size,
                                         c.data.data_dir)}

  def init(self) -> step_lib.ClassifierState:
    init_key, run_key = jax.random.split(jax.random.PRNGKey(self.config.seed))
    x = jnp.zeros((1, *self.config.data.image_shape), jnp.float32)
    net = state_lib.init_network(self.model, init_key, (x,), self.tx)
    return step_lib.ClassifierState(step=jnp.zeros((), jnp.int32), key=run_key, net=net)

  @property
  def step(self) -> Callable:
    return functools.partial(step_lib.classifier_step, model=self.model, tx=self.tx)

  def with_config_hyperparams(self, state):
    return state.replace(net=state.net.replace(
        opt_state=optimizers.with_peak_lr(state.net.opt_state, self.config.optim.lr)))

  @functools.cached_property
  def _predict(self) -> Callable:
    return jax.jit(lambda params, x: self.model.apply({"params": params}, x, train=False))

  def evaluate(self, state) -> dict[str, float]:
    """Accuracy and mean cross-entropy on the whole test split."""
    c = self.config
    test = sources.load_split(c.data.name, "test", c.data.data_dir)
    params = jax.device_get(state.net.params)
    correct, total_loss = 0, 0.0
    for start in range(0, len(test["image"]), _EVAL_BATCH_SIZE):
      images = pipeline.to_unit_range(test["image"][start:start + _EVAL_BATCH_SIZE])
      labels = test["label"][start:start + _EVAL_BATCH_SIZE]
      logits = np.asarray(self._predict(params, images), np.float64)
      correct += int(np.sum(np.argmax(logits, -1) == labels))
      log_probs = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
      total_loss -= float(np.sum(np.take_along_axis(log_probs, labels[:, None], -1)))
    count = len(test["image"])
    return {"test_accuracy": correct / count, "test_cross_entropy": total_loss / count,
            "test_examples": count}
