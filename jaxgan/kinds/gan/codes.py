"""InfoGAN's latent codes (Chen et al. 2016): categorical and continuous codes that G sees
appended to its noise and that D's Q head must recover."""

import jax
import jax.numpy as jnp


def input_dim(num_categorical: int, num_continuous: int) -> int:
  """How many inputs the codes add to G's noise vector."""
  return num_categorical + num_continuous


def sample(key, batch_size: int, num_categorical: int, num_continuous: int) -> dict:
  """c_cat ~ Uniform{0..K-1}, c_cont ~ U(-1, 1) per code, as in the paper's MNIST runs."""
  cat_key, cont_key = jax.random.split(key)
  codes = {}
  if num_categorical:
    codes["categorical"] = jax.random.randint(cat_key, (batch_size,), 0, num_categorical)
  if num_continuous:
    codes["continuous"] = jax.random.uniform(cont_key, (batch_size, num_continuous),
                                             jnp.float32, -1.0, 1.0)
  return codes


def append(z, codes: dict, num_categorical: int):
  """[z, one_hot(c_cat), c_cont]: the generator's input."""
  parts = [z]
  if "categorical" in codes:
    parts.append(jax.nn.one_hot(codes["categorical"], num_categorical, dtype=z.dtype))
  if "continuous" in codes:
    parts.append(codes["continuous"].astype(z.dtype))
  return jnp.concatenate(parts, axis=-1)


def grid(num: int, rows: int, num_categorical: int, num_continuous: int) -> dict:
  """Codes for a sample grid: the categorical code by row, the first continuous code swept
  from -1 to 1 along each row and the others at 0, so the grid shows what each controls."""
  cols = -(-num // rows)
  index = jnp.arange(num)
  codes = {}
  if num_categorical:
    codes["categorical"] = (index // cols) % num_categorical
  if num_continuous:
    sweep = jnp.linspace(-1.0, 1.0, cols)[index % cols]
    codes["continuous"] = jnp.zeros((num, num_continuous)).at[:, 0].set(sweep)
  return codes
