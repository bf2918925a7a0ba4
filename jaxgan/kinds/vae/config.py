"""The VAE kind's own config fields and their checks (the shared ones are jaxgan/configs.py)."""

import ml_collections

from jaxgan import configs
from jaxgan.kinds.vae import likelihoods
from jaxgan.kinds.vae import networks as vae_models


def default_config() -> ml_collections.ConfigDict:
  c = ml_collections.ConfigDict()
  c.model = ml_collections.ConfigDict()
  c.model.architecture = "mlp_vae"  # mlp_vae | conv_vae (jaxgan/kinds/vae/networks.py).
  c.model.latent_dim = 50
  c.model.conv_impl = "auto"        # auto | xla | fast (see jaxgan/ops/conv.py); conv_vae.
  c.vae = ml_collections.ConfigDict()
  c.vae.likelihood = "bernoulli"    # bernoulli | gaussian | logistic (kinds/vae/likelihoods.py).
  c.vae.beta = 1.0                  # Weight of the KL term; 1 is the VAE (Higgins et al.: > 1).
  c.vae.hidden_sizes = (500, 500)   # MLP widths, encoder order; the decoder mirrors them.
  c.vae.eval_iw_samples = 1000      # k of the importance-weighted NLL estimate.
  c.vae.eval_chunk_size = 100       # Latents per example decoded at once (divides k).
  c.vae.eval_batch_size = 100       # Test examples per evaluation batch.
  c.vae.eval_examples = -1          # -1: the whole test split.
  c.optim = configs.optim_fields(lr=1e-3, b1=0.9)
  return c


def validate(c) -> None:
  """The VAE kind's fields: architecture, likelihood, beta, optimizer, evaluation sizes."""
  configs.one_of("model.architecture", c.model.architecture, vae_models.VAE_ARCHITECTURES)
  configs.require(c.model.latent_dim > 0, "model.latent_dim", c.model.latent_dim,
                  "must be positive")
  configs.one_of("vae.likelihood", c.vae.likelihood, likelihoods.LIKELIHOODS)
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
