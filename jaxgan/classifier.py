"""The classifier experiment kind: a LeNet-style CNN trained on labelled images.

It shares the GAN's training loop, checkpoints, exact resume and --mode=eval; the trained
MNIST network is the feature network of jaxgan.metrics (see jaxgan/classifier_weights.py).
"""

import dataclasses
import functools
from typing import Callable

import flax.linen as nn
import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import configs
from jaxgan import experiment
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.models import classifier as classifier_models

_EVAL_BATCH_SIZE = 1000

# config.model.architecture -> a builder of the module from the model config.
ARCHITECTURES: dict[str, Callable] = {
    "lenet": lambda cfg: classifier_models.LeNet(num_classes=cfg.num_classes,
                                                 dropout_rate=cfg.dropout_rate,
                                                 conv_impl=cfg.conv_impl),
}


@flax.struct.dataclass
class ClassifierState:
  step: jax.Array
  key: jax.Array          # The run's root key; each step uses fold_in(key, step).
  net: state_lib.Network


def classifier_step(state: ClassifierState, batch, *, model, tx):
  """One gradient step on the mean softmax cross-entropy, with dropout."""
  dropout_key = jax.random.fold_in(state.key, state.step)

  def loss_fn(params):
    logits = model.apply({"params": params}, batch["image"], train=True,
                         rngs={"dropout": dropout_key})
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, batch["label"]).mean()
    return loss, logits

  (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.net.params)
  updates, opt_state = tx.update(grads, state.net.opt_state, state.net.params)
  net = state.net.replace(params=optax.apply_updates(state.net.params, updates),
                          opt_state=opt_state)
  metrics = {"loss": loss, "accuracy": jnp.mean(jnp.argmax(logits, -1) == batch["label"]),
             "grad_norm": optax.tree.norm(grads)}
  return state.replace(step=state.step + 1, net=net), metrics


def validate_config(c) -> None:
  """The classifier kind's fields: architecture, classes, dropout, optimizer."""
  configs.one_of("model.architecture", c.model.architecture, ARCHITECTURES)
  configs.require(c.model.num_classes >= 2, "model.num_classes", c.model.num_classes,
                  "a classifier needs at least 2 classes (10 for MNIST)")
  configs.require(tuple(c.data.image_shape) == (28, 28, 1), "data.image_shape",
                  tuple(c.data.image_shape), "lenet is made for (28, 28, 1) images")
  configs.require(0.0 <= c.model.dropout_rate < 1.0, "model.dropout_rate",
                  c.model.dropout_rate, "must be in [0, 1)")
  configs.one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  configs.validate_optim(c, lr_fields=("lr",))


@dataclasses.dataclass(frozen=True)
class ClassifierExperiment(experiment.Experiment):
  model: nn.Module = None
  tx: optax.GradientTransformation = None

  validate_config = staticmethod(validate_config)

  @classmethod
  def from_config(cls, config) -> "ClassifierExperiment":
    return cls(config=config, model=ARCHITECTURES[config.model.architecture](config.model),
               tx=optimizers.make(config.optim, config.optim.lr))

  def init(self) -> ClassifierState:
    init_key, run_key = jax.random.split(jax.random.PRNGKey(self.config.seed))
    x = jnp.zeros((1, *self.image_shape), jnp.float32)
    net = state_lib.init_network(self.model, init_key, (x,), self.tx)
    return ClassifierState(step=jnp.zeros((), jnp.int32), key=run_key, net=net)

  @property
  def step(self) -> Callable:
    return functools.partial(classifier_step, model=self.model, tx=self.tx)

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


experiment.KINDS["classifier"] = ClassifierExperiment
