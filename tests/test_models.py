import jax
import jax.numpy as jnp
import ml_collections
import pytest

from jaxgan.kinds.gan import architectures as models

SHAPES = {"mlp": (28, 28, 1), "dcgan_mnist": (28, 28, 1), "dcgan_cifar10": (32, 32, 3)}


def _config(architecture, num_classes=0):
  return ml_collections.ConfigDict(dict(architecture=architecture, latent_dim=16,
                                        num_classes=num_classes, conv_impl="xla"))


@pytest.mark.parametrize("architecture", sorted(models.ARCHITECTURES))
@pytest.mark.parametrize("num_classes", [0, 10])
def test_generator_and_discriminator_shapes(architecture, num_classes):
  shape = SHAPES.get(architecture) or models.ARCHITECTURES[architecture].image_shape or (28, 28, 1)
  generator, discriminator = models.build_gan(_config(architecture, num_classes), shape)
  z = jax.random.normal(jax.random.PRNGKey(2), (3, 16))
  y = jnp.arange(3) if num_classes else None

  @jax.jit  # One compilation instead of one per operation.
  def run(z, y):
    g_vars = generator.init(jax.random.PRNGKey(0), z, y, train=False)
    images = generator.apply(g_vars, z, y, train=False)
    d_vars = discriminator.init(jax.random.PRNGKey(1), images, y, train=False)
    return images, discriminator.apply(d_vars, images, y, train=False)

  images, logits = run(z, y)
  assert images.shape == (3, *shape)
  assert float(jnp.max(jnp.abs(images))) <= 1.0  # tanh output
  assert logits.shape == (3,)


def test_dcgan_mnist_layer_sizes_match_the_spec():
  generator, discriminator = models.build_gan(_config("dcgan_mnist"), (28, 28, 1))
  g = generator.init(jax.random.PRNGKey(0), jnp.zeros((1, 16)), None, train=False)["params"]
  d = discriminator.init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 1)), None,
                         train=False)["params"]
  shapes = lambda p: {k: v["kernel"].shape for k, v in p.items() if "kernel" in v}
  assert shapes(g) == {"Dense_0": (16, 7 * 7 * 128), "ConvTranspose_0": (4, 4, 128, 64),
                       "ConvTranspose_1": (4, 4, 64, 1)}
  assert shapes(d) == {"Conv_0": (4, 4, 1, 64), "Conv_1": (4, 4, 64, 128),
                       "Dense_0": (7 * 7 * 128, 1)}


def test_dcgan_stacked_mnist_widths_follow_g_and_d_channels():
  config = _config("dcgan_stacked_mnist")
  config.g_channels, config.d_channels = 32, 8
  generator, discriminator = models.build_gan(config, (28, 28, 3))
  g = generator.init(jax.random.PRNGKey(0), jnp.zeros((1, 16)), None, train=False)["params"]
  d = discriminator.init(jax.random.PRNGKey(0), jnp.zeros((1, 28, 28, 3)), None,
                         train=False)["params"]
  shapes = lambda p: {k: v["kernel"].shape for k, v in p.items() if "kernel" in v}
  assert shapes(g) == {"Dense_0": (16, 7 * 7 * 32), "ConvTranspose_0": (4, 4, 32, 16),
                       "ConvTranspose_1": (4, 4, 16, 3)}
  assert shapes(d) == {"Conv_0": (4, 4, 3, 8), "Conv_1": (4, 4, 8, 16), "Dense_0": (7 * 7 * 16, 1)}
