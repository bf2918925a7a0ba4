"""Architecture registry: a name -> a function of the model config returning (G, D).

Every generator is called as G(z, y, train) and every discriminator as D(x, y, train),
returning one logit per example (compare_gan's convention), or `(logits, aux)` when it has
auxiliary heads (ACGAN, InfoGAN: see heads.py). Adding an architecture is one module plus
one line here.

How labels enter (`model.conditioning`): "concat" appends one_hot(y) to G's input and D's
features (Mirza & Osindero); "projection" uses conditional BN in G and a projection D
(Miyato & Koyama); "acgan" feeds G by concatenation and gives an unconditional D a classifier
head (Odena et al.).
"""

from typing import Callable, NamedTuple

import flax.linen as nn

from jaxgan.models import dcgan
from jaxgan.kinds.gan import mlp
from jaxgan.kinds.gan import mlp_2d
from jaxgan.kinds.gan import resnet


class Architecture(NamedTuple):
  build: Callable                             # (model config, image shape) -> (G, D)
  image_shape: tuple | None = None            # The shape it is made for; None: any.
  conditionings: tuple = ("concat", "acgan")  # The values of model.conditioning it supports.
  options: tuple = ()                         # Model fields beyond the common ones it reads.
  convolutional: bool = False                 # Conv nets: sweeps on CPU unroll their members.


def _conditioning(cfg) -> str:
  return cfg.get("conditioning", "concat")


def _d_heads(cfg) -> dict:
  """Label concatenation and auxiliary heads of D, from model.conditioning and the codes."""
  acgan = _conditioning(cfg) == "acgan"
  return dict(num_classes=0 if acgan else cfg.num_classes,
              aux_classes=cfg.num_classes if acgan else 0,
              code_dims=(cfg.get("info_categorical", 0), cfg.get("info_continuous", 0)))


def _d_options(cfg) -> dict:
  """_d_heads plus the minibatch-stddev group (Karras et al.; 0: none), for the D's that
  read `model.minibatch_std` (the architectures listing it in their options)."""
  return dict(_d_heads(cfg), minibatch_std=cfg.get("minibatch_std", 0))


def _mlp(cfg, image_shape):
  return (mlp.MLPGenerator(image_shape=tuple(image_shape), num_classes=cfg.num_classes),
          mlp.MLPDiscriminator(**_d_options(cfg)))


def _mlp_2d(cfg, image_shape):
  return (mlp_2d.PointGenerator(image_shape=tuple(image_shape), num_classes=cfg.num_classes),
          mlp.MLPDiscriminator(hidden=(128, 128, 128), **_d_options(cfg)))


def _mlp_2d_pacgan(cfg, image_shape):
  # PacGAN's 2-D networks (Lin et al. 2018, App. D): G 4 x 400 ReLU, D 3 x 200 (their
  # LinearMaxout units replaced by leaky ReLU).
  return (mlp_2d.PointGenerator(image_shape=tuple(image_shape), hidden=(400,) * 4,
                                num_classes=cfg.num_classes),
          mlp.MLPDiscriminator(hidden=(200,) * 3, **_d_options(cfg)))


def _mlp_cgan(cfg, image_shape):
  # Mirza & Osindero's CGAN is an MLP (G: 200+1000 -> 1200 ReLU; D: maxout 240+50 -> 240).
  # This is a wider leaky-ReLU version of it that trains quickly on a CPU.
  return (mlp.MLPGenerator(image_shape=tuple(image_shape), hidden=(256, 512, 1024),
                           num_classes=cfg.num_classes),
          mlp.MLPDiscriminator(hidden=(1024, 512, 256), **_d_options(cfg)))


def _dcgan_28(cfg, out_channels):
  """The 28x28 DCGAN; model.g_channels / d_channels (0: 128 / 64) set G's 7x7 width (its
  upsampling layer has half of it) and D's first convolution's (its second has twice);
  model.d_batch_norm=False takes the BatchNorm out of D."""
  g_width = cfg.get("g_channels", 0) or 128
  return (dcgan.DCGANGenerator(base_size=7, base_features=g_width, up_features=(g_width // 2,),
                               out_channels=out_channels, num_classes=cfg.num_classes,
                               conv_impl=cfg.conv_impl),
          dcgan.DCGANMnistDiscriminator(features=cfg.get("d_channels", 0) or 64,
                                        batch_norm=cfg.get("d_batch_norm", True),
                                        conv_impl=cfg.conv_impl, **_d_options(cfg)))


def _dcgan_stacked_mnist(cfg, image_shape):
  """dcgan_mnist's networks with 3 output channels (Stacked MNIST's RGB digits)."""
  return _dcgan_28(cfg, image_shape[-1])


def _dcgan_mnist(cfg, image_shape):
  del image_shape  # Fixed at 28x28x1 by the spec.
  return _dcgan_28(cfg, 1)


def _dcgan_cifar10(cfg, image_shape):
  return (dcgan.DCGANGenerator(base_size=4, base_features=512, up_features=(256, 128, 64),
                               out_channels=image_shape[-1], final_conv=True,
                               num_classes=cfg.num_classes, conv_impl=cfg.conv_impl),
          dcgan.DCGANCifarDiscriminator(conv_impl=cfg.conv_impl, **_d_options(cfg)))


def _resnet32(cfg, image_shape):
  concat = _conditioning(cfg) != "projection"
  attention_resolution = cfg.get("attention_resolution", 0)
  return (resnet.ResNetGenerator(channels=cfg.get("g_channels", 0) or 256,
                                 out_channels=image_shape[-1], num_classes=cfg.num_classes,
                                 concat_labels=concat,
                                 spectral_norm=cfg.get("g_spectral_norm", False),
                                 attention_resolution=attention_resolution,
                                 conv_impl=cfg.conv_impl),
          resnet.ResNetDiscriminator(channels=cfg.get("d_channels", 0) or 128,
                                     concat_labels=concat,
                                     spectral_norm=cfg.get("d_spectral_norm", False),
                                     attention_resolution=attention_resolution,
                                     conv_impl=cfg.conv_impl, **_d_heads(cfg)))


_RESNET_OPTIONS = ("g_channels", "d_channels", "g_spectral_norm", "d_spectral_norm",
                   "attention_resolution")

_MBSTD = ("minibatch_std",)
_DCGAN_28 = ("minibatch_std", "g_channels", "d_channels", "d_batch_norm")

ARCHITECTURES: dict[str, Architecture] = {
    "mlp": Architecture(_mlp, options=_MBSTD),
    "mlp_cgan": Architecture(_mlp_cgan, options=_MBSTD),
    "mlp_2d": Architecture(_mlp_2d, (1, 1, 2), options=_MBSTD),
    "mlp_2d_pacgan": Architecture(_mlp_2d_pacgan, (1, 1, 2), options=_MBSTD),
    "dcgan_stacked_mnist": Architecture(_dcgan_stacked_mnist, (28, 28, 3), options=_DCGAN_28,
                                        convolutional=True),
    "dcgan_mnist": Architecture(_dcgan_mnist, (28, 28, 1), options=_DCGAN_28,
                                convolutional=True),
    "dcgan_cifar10": Architecture(_dcgan_cifar10, (32, 32, 3), options=_MBSTD,
                                  convolutional=True),
    "resnet32": Architecture(_resnet32, (32, 32, 3), ("concat", "projection", "acgan"),
                             _RESNET_OPTIONS, convolutional=True),
}


def build_gan(model_config, image_shape) -> tuple[nn.Module, nn.Module]:
  return ARCHITECTURES[model_config.architecture].build(model_config, image_shape)
