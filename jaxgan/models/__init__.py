"""Architecture registry: a name -> a function of the model config returning (G, D).

Every generator is called as G(z, y, train) and every discriminator as D(x, y, train),
returning one logit per example (compare_gan's convention). Adding an architecture is one
module plus one line here.
"""

from typing import Callable

import flax.linen as nn

from jaxgan.models import dcgan
from jaxgan.models import mlp


def _mlp(cfg, image_shape):
  return (mlp.MLPGenerator(image_shape=tuple(image_shape), num_classes=cfg.num_classes),
          mlp.MLPDiscriminator(num_classes=cfg.num_classes))


def _dcgan_mnist(cfg, image_shape):
  del image_shape  # Fixed at 28x28x1 by the spec.
  return (dcgan.DCGANGenerator(base_size=7, base_features=128, up_features=(64,),
                               out_channels=1, num_classes=cfg.num_classes,
                               conv_impl=cfg.conv_impl),
          dcgan.DCGANMnistDiscriminator(num_classes=cfg.num_classes, conv_impl=cfg.conv_impl))


def _dcgan_cifar10(cfg, image_shape):
  return (dcgan.DCGANGenerator(base_size=4, base_features=512, up_features=(256, 128, 64),
                               out_channels=image_shape[-1], final_conv=True,
                               num_classes=cfg.num_classes, conv_impl=cfg.conv_impl),
          dcgan.DCGANCifarDiscriminator(num_classes=cfg.num_classes, conv_impl=cfg.conv_impl))


# name -> (builder, the image shape it is made for, or None if any).
ARCHITECTURES: dict[str, tuple[Callable, tuple | None]] = {
    "mlp": (_mlp, None),
    "dcgan_mnist": (_dcgan_mnist, (28, 28, 1)),
    "dcgan_cifar10": (_dcgan_cifar10, (32, 32, 3)),
}


def build_gan(model_config, image_shape) -> tuple[nn.Module, nn.Module]:
  builder, _ = ARCHITECTURES[model_config.architecture]
  return builder(model_config, image_shape)
