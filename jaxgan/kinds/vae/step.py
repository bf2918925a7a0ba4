"""The VAE's train state and pure step."""

import flax.linen as nn
import flax.struct
import jax
import jax.numpy as jnp
import optax

from jaxgan.kinds.vae import elbo
from jaxgan import state as state_lib
from jaxgan.kinds.vae.likelihoods import Likelihood

# The data stream the step reads (Kind.streams).
STREAM = "train"


@flax.struct.dataclass
class VAEState:
  step: jax.Array
  key: jax.Array          # The run's root key; each step uses fold_in(key, step).
  net: state_lib.Network  # Encoder and decoder, one parameter tree.


def model_functions(model: nn.Module, params, likelihood: Likelihood):
  """(encode, log_likelihood) closures over `params`, in the form jaxgan.kinds.vae.elbo takes."""
  variables = {"params": params}
  encode = lambda x: model.apply(variables, x, method="encode")
  log_likelihood = lambda x, z: likelihood.log_prob(x, model.apply(variables, z, method="decode"))
  return encode, log_likelihood


def vae_step(state: VAEState, batch, *, model, tx, likelihood: Likelihood, beta: float):
  """One gradient step on -(E[log p(x|z)] - beta * KL), averaged over the batch."""
  key = jax.random.fold_in(state.key, state.step)
  data_key, z_key = jax.random.split(key)
  x = likelihood.prepare(data_key, batch[STREAM]["image"])

  def loss_fn(params):
    terms = elbo.elbo(z_key, x, *model_functions(model, params, likelihood), beta=beta)
    return -jnp.mean(terms["objective"]), terms

  grads, terms = jax.grad(loss_fn, has_aux=True)(state.net.params)
  net = state.net.apply_gradients(tx, grads)
  metrics = {"loss": -jnp.mean(terms["objective"]), "neg_elbo": -jnp.mean(terms["elbo"]),
             "neg_log_likelihood": -jnp.mean(terms["log_likelihood"]),
             "kl": jnp.mean(terms["kl"]), "grad_norm": optax.tree.norm(grads)}
  return state.replace(step=state.step + 1, net=net), metrics
