"""The VAE kind: an encoder/decoder pair trained on the ELBO, scored by the test negative ELBO
and the importance-weighted NLL (Burda et al. 2016)."""

import dataclasses
import functools
from typing import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxgan.kinds.vae import elbo
from jaxgan import images
from jaxgan import interface
from jaxgan import optimizers
from jaxgan import state as state_lib
from jaxgan.data import pipeline
from jaxgan.data import sources
from jaxgan.data import spec
from jaxgan.kinds.vae import config as config_lib
from jaxgan.kinds.vae import likelihoods
from jaxgan.kinds.vae import step as step_lib
from jaxgan.kinds.vae import networks as vae_models

_TEST_BINARISATION_SEED = 0   # Shared by all runs, so their test numbers are comparable.


@dataclasses.dataclass(frozen=True)
class VAEKind(interface.Kind):
  model: nn.Module = None
  tx: optax.GradientTransformation = None

  progress_keys = ("loss",)
  sweep_axes = {"lr": ("optim.lr", None)}

  config_module = config_lib

  @classmethod
  def from_config(cls, config) -> "VAEKind":
    likelihood = likelihoods.LIKELIHOODS[config.vae.likelihood]
    builder = vae_models.VAE_ARCHITECTURES[config.model.architecture]
    return cls(config=config, model=builder(config, config.data.image_shape,
                                            likelihood.outputs_per_pixel),
               tx=optimizers.make(config.optim, config.optim.lr))

  @property
  def image_shape(self) -> tuple:
    return tuple(self.config.data.image_shape)

  @property
  def likelihood(self) -> likelihoods.Likelihood:
    return likelihoods.LIKELIHOODS[self.config.vae.likelihood]

  def streams(self) -> dict[str, spec.Stream]:
    c = self.config
    return {step_lib.STREAM: spec.Stream(c.data.name, c.data.split,
                                         {"image": spec.Feature(self.image_shape, "uint8")},
                                         c.batch_size, c.data.data_dir)}

  def init(self) -> step_lib.VAEState:
    init_key, run_key = jax.random.split(jax.random.PRNGKey(self.config.seed))
    x = jnp.zeros((1, *self.image_shape), jnp.float32)
    net = state_lib.init_network(self.model, init_key, (x,), self.tx)
    return step_lib.VAEState(step=jnp.zeros((), jnp.int32), key=run_key, net=net)

  @property
  def step(self) -> Callable:
    return functools.partial(step_lib.vae_step, model=self.model, tx=self.tx,
                             likelihood=self.likelihood, beta=float(self.config.vae.beta))

  def with_config_hyperparams(self, state):
    return state.replace(net=state.net.replace(
        opt_state=optimizers.with_peak_lr(state.net.opt_state, self.config.optim.lr)))

  # -- sampling ----------------------------------------------------------------------------
  @functools.cached_property
  def decode_mean(self) -> Callable:
    """jitted (state, z) -> the decoder's mean images in [-1, 1]."""
    def run(state, z):
      out = self.model.apply({"params": state.net.params}, z, method="decode")
      return self.likelihood.mean_image(out)
    return jax.jit(run)

  def sample(self, state, num: int, key, use_ema: bool = False, batch_size: int = 256):
    """Mean images of p(x|z) for `num` latents z ~ N(0, I) drawn with `key` (no EMA here)."""
    del use_ema
    z = jax.random.normal(key, (num, self.config.model.latent_dim), jnp.float32)
    return jnp.concatenate([self.decode_mean(state, z[i:i + batch_size])
                            for i in range(0, num, batch_size)])

  def visuals(self, state) -> dict[str, np.ndarray]:
    c = self.config.sample
    key = self.seed_key(interface.SAMPLES_SALT)
    generated = jax.device_get(self.sample(state, c.num_images, key))
    return {"samples": images.make_grid(generated, c.grid_rows)}

  def write_samples(self, state, out_dir: str, key) -> None:
    c = self.config.sample
    generated = np.asarray(jax.device_get(self.sample(state, c.num_images, key)))
    images.write_folder(generated, out_dir, c.grid_rows)

  # -- evaluation --------------------------------------------------------------------------
  @functools.cached_property
  def _evaluate_batch(self) -> Callable:
    c = self.config.vae

    def run(params, x, key):
      functions = step_lib.model_functions(self.model, params, self.likelihood)
      elbo_key, iw_key = jax.random.split(key)
      terms = elbo.elbo(elbo_key, x, *functions)
      iw = elbo.iwae_bound(iw_key, x, *functions, num_samples=c.eval_iw_samples,
                           chunk_size=c.eval_chunk_size)
      return {"elbo": terms["elbo"], "kl": terms["kl"], "iw": iw}
    return jax.jit(run)

  def test_data(self):
    """The scored test split: binarised (or dequantised) once, with a fixed seed."""
    c = self.config
    test_images = sources.load_split(c.data.name, "test", c.data.data_dir)["image"]
    if c.vae.eval_examples > 0:
      test_images = test_images[:c.vae.eval_examples]
    key = jax.random.PRNGKey(_TEST_BINARISATION_SEED)
    return np.asarray(self.likelihood.prepare(key, pipeline.to_unit_range(test_images)))

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
