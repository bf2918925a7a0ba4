"""A jaxgan GAN config's training recipe in PyTorch: the 28x28 DCGAN, its loss, penalty,
optimizers and EMA, read from the config itself so that the two cannot drift.

    recipe = TorchRecipe(config)        # config: a jaxgan ConfigDict (experiments/*.py)
    metrics = recipe.step(real)         # real: float [B, 1, 28, 28] in [-1, 1]
    images = recipe.sample(z, use_ema=True)

One step is jaxgan's GAN step with n_dis=1 (jaxgan/kinds/gan/step.py): G(z) once; one D
update on the real and the fake batch (D sees them in two forward passes), plus the penalty
on the same real and fake images; one G update through the updated D on the same fakes, with
D run on the same real batch too when the loss reads it (the relativistic losses pair real i
with fake i); then the EMA of G's weights. Fields this file does not mirror are refused
before anything is built (`check_config`).

Initialisation: jaxgan's (flax's lecun_normal kernels, zero biases), so that the two
frameworks start from the same distribution; init="torch" keeps PyTorch's defaults.
"""

from __future__ import annotations

import copy
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_dcgan  # pylint: disable=wrong-import-position


# Adversarial losses on D's logits [B], as jaxgan/losses.py: name -> (d(real, fake), g(real, fake)).
def _non_saturating_d(real, fake):
  return F.softplus(-real).mean() + F.softplus(fake).mean()


LOSSES = {
    "non_saturating": (_non_saturating_d, lambda real, fake: F.softplus(-fake).mean()),
    "hinge": (lambda real, fake: F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
              lambda real, fake: -fake.mean()),
    # RpGAN (Jolicoeur-Martineau 2019): real i is paired with fake i.
    "relativistic_pairing": (lambda real, fake: F.softplus(fake - real).mean(),
                             lambda real, fake: F.softplus(real - fake).mean()),
    # RaGAN: each side against the other side's mean logit.
    "relativistic_average": (
        lambda real, fake: (F.softplus(fake.mean() - real).mean()
                            + F.softplus(fake - real.mean()).mean()),
        lambda real, fake: (F.softplus(real.mean() - fake).mean()
                            + F.softplus(real - fake.mean()).mean())),
}
# The losses whose G reads D's logits on real data (jaxgan: AdversarialLoss.g_reads_real).
G_READS_REAL = ("relativistic_pairing", "relativistic_average")


def input_gradient_penalty(logits, inputs):
  """1/2 E[||d D(x_i) / d x_i||^2], differentiable (a double backward): R1 on real inputs,
  R2 on fake ones. `logits` must be D(inputs) with `inputs` requiring grad."""
  (grads,) = torch.autograd.grad(logits.sum(), inputs, create_graph=True)
  return 0.5 * grads.pow(2).reshape(grads.shape[0], -1).sum(1).mean()


# name -> (penalise real, penalise fake), as jaxgan/penalties.py.
PENALTIES = {"none": (False, False), "r1": (True, False), "r2": (False, True),
             "r1_r2": (True, True)}


def penalty_scale(step: int, num_steps: int, schedule: str, final_fraction: float) -> float:
  """jaxgan.penalties.weight_scale: 1, or cosine from 1 to `final_fraction` over the run."""
  if schedule == "constant" or num_steps <= 0:
    return 1.0
  progress = min(step / num_steps, 1.0)
  return final_fraction + (1 - final_fraction) * 0.5 * (1 + math.cos(math.pi * progress))


def lr_factor(update: int, num_updates: int, schedule: str,
              cooldown_fraction: float = 0.2) -> float:
  """jaxgan.optimizers.SCHEDULES: constant, linear to 0, cosine to 0 over `num_updates`, or
  constant and then linear to 0 over the last `cooldown_fraction` of them."""
  progress = min(update / max(num_updates, 1), 1.0)
  if schedule == "linear":
    return 1.0 - progress
  if schedule == "cosine":
    return 0.5 * (1 + math.cos(math.pi * progress))
  if schedule == "cooldown":
    decay = max(int(round(num_updates * cooldown_fraction)), 1)
    return min(1.0, max(0.0, (num_updates - update) / decay))
  return 1.0


# (field, the only value mirrored here): everything else about the config must be off.
_MUST_BE = (("kind", "gan"), ("model.num_classes", 0), ("model.pack", 1),
            ("model.minibatch_std", 0), ("model.dtype", "float32"), ("optim.name", "adam"),
            ("optim.n_dis", 1), ("optim.grad_clip", 0.0), ("optim.d_clip", 0.0),
            ("optim.unroll_steps", 0), ("augment.policy", ""))


def _field(config, dotted: str):
  value = config
  for part in dotted.split("."):
    value = value[part]
  return value


def check_config(config) -> None:
  """Raises ValueError naming the first field this recipe does not mirror."""
  architectures = ("dcgan_mnist", "dcgan_stacked_mnist")
  if config.model.architecture not in architectures:
    raise ValueError(f"config.model.architecture={config.model.architecture!r}: the PyTorch "
                     f"recipe has the 28x28 DCGAN only; use one of {architectures}")
  for dotted, wanted in _MUST_BE:
    if _field(config, dotted) != wanted:
      raise ValueError(f"config.{dotted}={_field(config, dotted)!r}: the PyTorch recipe "
                       f"mirrors only {wanted!r}; set it so")
  for dotted, table in (("loss.name", LOSSES), ("penalty.name", PENALTIES)):
    if _field(config, dotted) not in table:
      raise ValueError(f"config.{dotted}={_field(config, dotted)!r}: the PyTorch recipe has "
                       f"{sorted(table)}")
  if config.optim.schedule not in ("constant", "linear", "cosine", "cooldown"):
    raise ValueError(f"config.optim.schedule={config.optim.schedule!r}: use constant, linear, "
                     f"cosine or cooldown")


def jaxgan_init_(module: nn.Module) -> None:
  """flax's defaults: lecun_normal kernels (truncated normal, variance 1 / fan_in, fan_in =
  kernel taps x input channels, also for transposed convolutions) and zero biases."""
  for layer in module.modules():
    if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
      weight = layer.weight
      if isinstance(layer, nn.Linear):
        fan_in = weight.shape[1]
      elif isinstance(layer, nn.ConvTranspose2d):
        fan_in = weight.shape[0] * weight.shape[2] * weight.shape[3]
      else:
        fan_in = weight.shape[1] * weight.shape[2] * weight.shape[3]
      # flax's truncated normal at [-2, 2] std, rescaled so the variance is 1 / fan_in.
      std = math.sqrt(1.0 / fan_in) / 0.87962566103423978
      with torch.no_grad():
        nn.init.trunc_normal_(weight, 0.0, std, -2 * std, 2 * std)
        if layer.bias is not None:
          layer.bias.zero_()


def standing_statistics_(generator: nn.Module, z: torch.Tensor) -> None:
  """Sets every BatchNorm's running statistics to those of one batch G(z) (jaxgan's
  `optim.ema_bn_samples`: the EMA weights get statistics of their own)."""
  norms = [m for m in generator.modules() if isinstance(m, nn.BatchNorm2d)]
  momenta = [m.momentum for m in norms]
  for m in norms:
    m.reset_running_stats()
    m.momentum = None  # A cumulative average: after one batch, that batch's statistics.
  generator.train()
  with torch.no_grad():
    generator(z)
  for m, momentum in zip(norms, momenta):
    m.momentum = momentum
  generator.eval()


class TorchRecipe:
  """G, D, their Adam optimizers and G's EMA, built from a jaxgan GAN config."""

  def __init__(self, config, init: str = "jaxgan"):
    check_config(config)
    self.config = config
    m, o = config.model, config.optim
    channels = tuple(config.data.image_shape)[-1]
    torch.manual_seed(config.seed)
    self.latent_dim = m.latent_dim
    self.generator = torch_dcgan.mnist_generator(m.latent_dim, m.g_channels or 128, channels)
    self.discriminator = torch_dcgan.mnist_discriminator(m.d_channels or 64, m.d_batch_norm,
                                                         channels)
    if init == "jaxgan":
      jaxgan_init_(self.generator)
      jaxgan_init_(self.discriminator)
    elif init != "torch":
      raise ValueError(f"init={init!r}: use 'jaxgan' or 'torch'")
    self.generator.train()
    self.discriminator.train()
    self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=o.g_lr, betas=(o.b1, o.b2))
    self.d_opt = torch.optim.Adam(self.discriminator.parameters(), lr=o.d_lr,
                                  betas=(o.b1, o.b2))
    schedule = lambda update: lr_factor(update, config.num_steps, o.schedule,
                                        o.get("cooldown_fraction", 0.2))
    self.g_sched = torch.optim.lr_scheduler.LambdaLR(self.g_opt, schedule)
    self.d_sched = torch.optim.lr_scheduler.LambdaLR(self.d_opt, schedule)
    self.ema = copy.deepcopy(self.generator)
    self.ema.requires_grad_(False)
    self.loss_d, self.loss_g = LOSSES[config.loss.name]
    self.g_reads_real = config.loss.name in G_READS_REAL
    self.penalise_real, self.penalise_fake = PENALTIES[config.penalty.name]
    self.step_count = 0

  def penalty_weight(self) -> float:
    """The penalty's weight at this step: 0 off the lazy steps, `every` times it on them."""
    p = self.config.penalty
    if p.name == "none" or self.step_count % p.every:
      return 0.0
    return p.weight * p.every * penalty_scale(self.step_count, self.config.num_steps,
                                              p.schedule, p.final_fraction)

  def step(self, real: torch.Tensor) -> dict[str, float]:
    """One training step on a real batch [B, C, 28, 28] in [-1, 1]; returns the losses."""
    g, d = self.generator, self.discriminator
    z = torch.randn(real.shape[0], self.latent_dim)
    fake = g(z)
    weight = self.penalty_weight()
    # The penalty on the first penalty.examples examples (0: all), as jaxgan's step; a
    # sub-batch gets its own forward pass so that its double backward stays small.
    k = self.config.penalty.get("examples", 0)
    whole = weight > 0 and not k
    real_in = real.detach().requires_grad_(whole and self.penalise_real)
    fake_in = fake.detach().requires_grad_(whole and self.penalise_fake)
    real_logits, fake_logits = d(real_in)[:, 0], d(fake_in)[:, 0]
    d_loss = self.loss_d(real_logits, fake_logits)
    penalty = torch.zeros(())
    for used, x, logits in ((self.penalise_real, real_in, real_logits),
                            (self.penalise_fake, fake_in, fake_logits)):
      if weight > 0 and used:
        if k:
          x = x[:k].detach().requires_grad_(True)
          logits = d(x)[:, 0]
        penalty = penalty + input_gradient_penalty(logits, x)
    self.d_opt.zero_grad(set_to_none=True)
    (d_loss + weight * penalty).backward()
    self.d_opt.step()
    self.d_sched.step()
    # G through the updated D, on the same fakes (and, for a pairing, the same reals).
    fake_logits = d(fake)[:, 0]
    real_logits = d(real)[:, 0].detach() if self.g_reads_real else None
    g_loss = self.loss_g(real_logits, fake_logits)
    self.g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    self.g_opt.step()
    self.g_sched.step()
    with torch.no_grad():
      decay = self.config.optim.ema_decay
      for ema, raw in zip(self.ema.parameters(), g.parameters()):
        ema.lerp_(raw, 1.0 - decay)
    self.step_count += 1
    return {"d_loss": float(d_loss.detach()), "g_loss": float(g_loss.detach()),
            "penalty": float(penalty.detach())}

  def sampler(self, use_ema: bool, bn_z: torch.Tensor | None = None) -> nn.Module:
    """G in inference mode: the raw one, or a copy holding the EMA weights with BatchNorm
    statistics of their own computed on `bn_z` (None: the raw G's running averages)."""
    if not use_ema:
      sampler = copy.deepcopy(self.generator)
    else:
      sampler = copy.deepcopy(self.generator)
      with torch.no_grad():
        for target, ema in zip(sampler.parameters(), self.ema.parameters()):
          target.copy_(ema)
      if bn_z is not None:
        standing_statistics_(sampler, bn_z)
    return sampler.eval()
