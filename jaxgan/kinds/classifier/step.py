"""The classifier's train state and pure step."""

import flax.struct
import jax
import jax.numpy as jnp
import optax

from jaxgan import state as state_lib

# The data stream the step reads (Kind.streams).
STREAM = "train"


@flax.struct.dataclass
class ClassifierState:
  step: jax.Array
  key: jax.Array          # The run's root key; each step uses fold_in(key, step).
  net: state_lib.Network


def classifier_step(state: ClassifierState, batch, *, model, tx):
  """One gradient step on the mean softmax cross-entropy, with dropout."""
  dropout_key = jax.random.fold_in(state.key, state.step)
  data = batch[STREAM]

  def loss_fn(params):
    logits = model.apply({"params": params}, data["image"], train=True,
                         rngs={"dropout": dropout_key})
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, data["label"]).mean()
    return loss, logits

  (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.net.params)
  net = state.net.apply_gradients(tx, grads)
  metrics = {"loss": loss, "accuracy": jnp.mean(jnp.argmax(logits, -1) == data["label"]),
             "grad_norm": optax.tree.norm(grads)}
  return state.replace(step=state.step + 1, net=net), metrics
