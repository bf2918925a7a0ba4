"""The VAE experiment kind: state, pure step, likelihoods, evaluation (ELBO and IW NLL).

Data comes from the pipeline as float32 images in [-1, 1]; each likelihood says how the step
turns them into what the decoder models:
  bernoulli            dynamically binarised pixels: x ~ Bernoulli((image + 1) / 2), drawn
                       afresh every step (the test set once, with a fixed seed);
  gaussian             dequantised pixels in [0, 1]: (level + u) / 256, u ~ U[0, 1); a density;
  logistic             the 256 levels of [-1, 1] under a discretised logistic: a probability.
"""

import dataclasses
import functools
from typing import Callable, NamedTuple

import flax.linen as nn
import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan import configs
from jaxgan import elbo
from jaxgan import experiment
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.models import vae as vae_models

_TEST_BINARISATION_SEED = 0   # Shared by all runs, so their test numbers are comparable.
_MIN_LOG_SCALE = -7.0         # Keeps a decoder's scale from collapsing onto exact pixels.


class Likelihood(NamedTuple):
  outputs_per_pixel: int
  prepare: Callable      # (key, images in [-1, 1]) -> the data x the model scores.
  log_prob: Callable     # (x, decoder outputs) -> log p(x|z) per example.
  mean_image: Callable   # decoder outputs -> the mean of p(x|z), mapped to [-1, 1].


def _split_location_scale(out):
  location, log_scale = jnp.split(out, 2, axis=-1)
  return location, jnp.maximum(log_scale, _MIN_LOG_SCALE)


def _binarise(key, images):
  uniform = jax.random.uniform(key, images.shape, out_sharding=elbo.noise_sharding(images))
  return (uniform < (images + 1.0) * 0.5).astype(jnp.float32)


def _dequantise(key, images):
  levels = jnp.round((images + 1.0) * 127.5)
  uniform = jax.random.uniform(key, images.shape, out_sharding=elbo.noise_sharding(images))
  return (levels + uniform) / 256.0


def _gaussian_log_prob(x, out):
  location, log_scale = _split_location_scale(out)
  return elbo.gaussian_log_likelihood(x, jax.nn.sigmoid(location), log_scale)


def _logistic_log_prob(x, out):
  location, log_scale = _split_location_scale(out)
  return elbo.discretized_logistic_log_likelihood(x, location, log_scale)


LIKELIHOODS: dict[str, Likelihood] = {
    "bernoulli": Likelihood(1, _binarise, elbo.bernoulli_log_likelihood,
                            lambda out: 2.0 * jax.nn.sigmoid(out) - 1.0),
    "gaussian": Likelihood(2, _dequantise, _gaussian_log_prob,
                           lambda out: 2.0 * jax.nn.sigmoid(jnp.split(out, 2, -1)[0]) - 1.0),
    "logistic": Likelihood(2, lambda key, images: images, _logistic_log_prob,
                           lambda out: jnp.clip(jnp.split(out, 2, -1)[0], -1.0, 1.0)),
}


@flax.struct.dataclass
class VAEState:
  step: jax.Array
  key: jax.Array          # The run's root key; each step uses fold_in(key, step).
  net: state_lib.Network  # Encoder and decoder, one parameter tree.


def model_functions(model: nn.Module, params, likelihood: Likelihood):
  """(encode, log_likelihood) closures over `params`, in the form jaxgan.elbo takes."""
  variables = {"params": params}
  encode = lambda x: model.apply(variables, x, method="encode")
  log_likelihood = lambda x, z: likelihood.log_prob(x, model.apply(variables, z, method="decode"))
  return encode, log_likelihood


def vae_step(state: VAEState, batch, *, model, tx, likelihood: Likelihood, beta: float):
  """One gradient step on -(E[log p(x|z)] - beta * KL), averaged over the batch."""
  key = jax.random.fold_in(state.key, state.step)
  data_key, z_key = jax.random.split(key)
  x = likelihood.prepare(data_key, batch["image"])

  def loss_fn(params):
    terms = elbo.elbo(z_key, x, *model_functions(model, params, likelihood), beta=beta)
    return -jnp.mean(terms["objective"]), terms

  grads, terms = jax.grad(loss_fn, has_aux=True)(state.net.params)
  updates, opt_state = tx.update(grads, state.net.opt_state, state.net.params)
  net = state.net.replace(params=optax.apply_updates(state.net.params, updates),
                          opt_state=opt_state)
  metrics = {"loss": -jnp.mean(terms["objective"]), "neg_elbo": -jnp.mean(terms["elbo"]),
             "neg_log_likelihood": -jnp.mean(terms["log_likelihood"]),
             "kl": jnp.mean(terms["kl"]), "grad_norm": optax.tree.norm(grads)}
  return state.replace(step=state.step + 1, net=net), metrics


def validate_config(c) -> None:
  """The VAE kind's fields: architecture, likelihood, beta, optimizer, evaluation sizes."""
  configs.one_of("model.architecture", c.model.architecture, vae_models.VAE_ARCHITECTURES)
  configs.require(c.model.latent_dim > 0, "model.latent_dim", c.model.latent_dim,
                  "must be positive")
  configs.one_of("vae.likelihood", c.vae.likelihood, LIKELIHOODS)
  configs.require(c.vae.beta > 0, "vae.beta", c.vae.beta, "must be positive (1 is the VAE)")
  configs.require(all(int(s) > 0 for s in c.vae.hidden_sizes), "vae.hidden_sizes",
                  tuple(c.vae.hidden_sizes), "must be positive layer widths")
  if c.model.architecture == "conv_vae":
    height, width, _ = c.data.image_shape
    configs.require(height % 4 == 0 and width % 4 == 0, "data.image_shape",
                    tuple(c.data.image_shape), "conv_vae needs a height and width divisible by 4")
    configs.one_of("model.conv_impl", c.model.conv_impl, ("auto", "xla", "fast"))
  configs.validate_optim(c, lr_fields=("lr",))
  configs.require(c.vae.eval_iw_samples > 0, "vae.eval_iw_samples", c.vae.eval_iw_samples,
                  "must be positive (1000 is the convention)")
  chunk = c.vae.eval_chunk_size
  configs.require(chunk > 0 and c.vae.eval_iw_samples % chunk == 0, "vae.eval_chunk_size",
                  chunk, f"must divide vae.eval_iw_samples={c.vae.eval_iw_samples}")
  configs.require(c.vae.eval_batch_size > 0, "vae.eval_batch_size", c.vae.eval_batch_size,
                  "must be positive")
  configs.require(c.vae.eval_examples != 0, "vae.eval_examples", c.vae.eval_examples,
                  "must be positive, or -1 for the whole test split")


@dataclasses.dataclass(frozen=True)
class VAEExperiment(experiment.Experiment):
  model: nn.Module = None
  tx: optax.GradientTransformation = None

  validate_config = staticmethod(validate_config)

  @classmethod
  def from_config(cls, config) -> "VAEExperiment":
    likelihood = LIKELIHOODS[config.vae.likelihood]
    builder = vae_models.VAE_ARCHITECTURES[config.model.architecture]
    return cls(config=config, model=builder(config, config.data.image_shape,
                                            likelihood.outputs_per_pixel),
               tx=optimizers.make(config.optim, config.optim.lr))

  @property
  def likelihood(self) -> Likelihood:
    return LIKELIHOODS[self.config.vae.likelihood]

  def init(self) -> VAEState:
    init_key, run_key = jax.random.split(jax.random.PRNGKey(self.config.seed))
    x = jnp.zeros((1, *self.image_shape), jnp.float32)
    net = state_lib.init_network(self.model, init_key, (x,), self.tx)
    return VAEState(step=jnp.zeros((), jnp.int32), key=run_key, net=net)

  @property
  def step(self) -> Callable:
    return functools.partial(vae_step, model=self.model, tx=self.tx,
                             likelihood=self.likelihood, beta=float(self.config.vae.beta))

  @functools.cached_property
  def decode_mean(self) -> Callable:
    """jitted (state, z) -> the decoder's mean images in [-1, 1]."""
    def run(state, z):
      out = self.model.apply({"params": state.net.params}, z, method="decode")
      return self.likelihood.mean_image(out)
    return jax.jit(run)

  def sample_grid(self, state):
    key = jax.random.fold_in(jax.random.PRNGKey(self.config.seed), 0x5A3B1E)
    return self.sample(state, self.config.sample.num_images, key)

  def sample(self, state, num: int, key, use_ema: bool = False, batch_size: int = 256):
    """Mean images of p(x|z) for `num` latents z ~ N(0, I) drawn with `key` (no EMA here)."""
    del use_ema
    z = jax.random.normal(key, (num, self.config.model.latent_dim), jnp.float32)
    return jnp.concatenate([self.decode_mean(state, z[i:i + batch_size])
                            for i in range(0, num, batch_size)])

  @functools.cached_property
  def _evaluate_batch(self) -> Callable:
    c = self.config.vae

    def run(params, x, key):
      functions = model_functions(self.model, params, self.likelihood)
      elbo_key, iw_key = jax.random.split(key)
      terms = elbo.elbo(elbo_key, x, *functions)
      iw = elbo.iwae_bound(iw_key, x, *functions, num_samples=c.eval_iw_samples,
                           chunk_size=c.eval_chunk_size)
      return {"elbo": terms["elbo"], "kl": terms["kl"], "iw": iw}
    return jax.jit(run)

  def test_data(self):
    """The scored test split: binarised (or dequantised) once, with a fixed seed."""
    c = self.config
    images = sources.load_split(c.data.name, "test", c.data.data_dir)["image"]
    if c.vae.eval_examples > 0:
      images = images[:c.vae.eval_examples]
    key = jax.random.PRNGKey(_TEST_BINARISATION_SEED)
    return np.asarray(self.likelihood.prepare(key, pipeline.to_unit_range(images)))

  def evaluate(self, state) -> dict[str, float]:
    """Test negative ELBO (one-sample estimate, closed-form KL) and the IWAE NLL estimate."""
    c = self.config.vae
    x = self.test_data()
    params = jax.device_get(state.net.params)
    key = jax.random.PRNGKey(_TEST_BINARISATION_SEED + 1)
    sums = {"elbo": 0.0, "kl": 0.0, "iw": 0.0}
    for start in range(0, len(x), c.eval_batch_size):
      batch = x[start:start + c.eval_batch_size]
      out = self._evaluate_batch(params, batch, jax.random.fold_in(key, start))
      for name in sums:
        sums[name] += float(np.sum(np.asarray(out[name], np.float64)))
    count = len(x)
    k = c.eval_iw_samples
    return {"test_neg_elbo_nats": -sums["elbo"] / count, "test_kl_nats": sums["kl"] / count,
            f"test_iw_nll_nats[k={k}]": -sums["iw"] / count, "test_examples": count}


experiment.KINDS["vae"] = VAEExperiment
