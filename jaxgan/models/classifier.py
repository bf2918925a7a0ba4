"""A LeNet-style CNN for 28x28x1 MNIST: the classifier and the metrics' feature network.

conv 5x5x32 -> ReLU -> max-pool 2 -> conv 5x5x64 -> ReLU -> max-pool 2 -> dense 256 -> ReLU
-> dropout -> dense 10, with unpadded ('VALID') convolutions (28 -> 24 -> 12 -> 8 -> 4) as in
LeNet-5 (LeCun et al. 1998), which cost a third of padded ones; the channel counts and
max-pooling are those of TensorFlow's "Deep MNIST" tutorial. It reaches >99% test accuracy in
a few epochs. The 256 penultimate activations (after ReLU, before dropout) are the features.

Inputs are images in [-1, 1], shape [N, 28, 28, 1] (the range of the data pipeline and of
the generators), so generated samples can be fed as they are.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgan.models import layers

FEATURE_DIM = 256


class LeNet(nn.Module):
  """`LeNet()(x, train)` -> logits [N, num_classes]; with `return_features=True` it returns
  (logits, features [N, FEATURE_DIM]). Dropout (train=True) needs a "dropout" rng."""
  num_classes: int = 10
  dropout_rate: float = 0.5
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, x, train: bool = False, return_features: bool = False):
    h = x.astype(jnp.float32)
    for features in (32, 64):
      h = nn.relu(layers.Conv(features, (5, 5), padding="VALID", impl=self.conv_impl)(h))
      h = nn.max_pool(h, (2, 2), strides=(2, 2))
    h = h.reshape((h.shape[0], -1))
    features = nn.relu(nn.Dense(FEATURE_DIM)(h))
    h = self._dropout(features, train)
    logits = nn.Dense(self.num_classes)(h)
    return (logits, features) if return_features else logits

  def _dropout(self, h, train: bool):
    """Inverted dropout whose mask is laid out like `h` (nn.Dropout's is not, which an
    explicit-sharding mesh rejects)."""
    if not train or self.dropout_rate == 0.0:
      return h
    sharding = jax.typeof(h).sharding
    keep = jax.random.bernoulli(self.make_rng("dropout"), 1.0 - self.dropout_rate, h.shape,
                                out_sharding=None if sharding.mesh.empty else sharding)
    return jnp.where(keep, h / (1.0 - self.dropout_rate), 0.0)

  def features(self, x):
    """Penultimate activations in inference mode: `module.apply(v, x, method="features")`."""
    return self(x, train=False, return_features=True)[1]
