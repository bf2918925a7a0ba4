"""Losses of image-to-image translation: the papers' adversarial pairs on patch logits,
pix2pix's L1, CycleGAN's cycle-consistency and identity terms, and the context encoder's
hole-weighted reconstruction (Pathak et al. 2016).

Adversarial pairs (jaxgan.losses.AdversarialLoss: d(real, fake), g(real, fake)) take patch
logits of any shape and average them. The relativistic pairing loss (RpGAN) is the GAN's,
pairing each real patch with the fake patch at the same place. The classic pairs follow the
papers' code: the discriminator's objective is halved (pix2pix Sec. 3.3, "we divide the objective
by 2 while optimizing D"); CycleGAN's least-squares G term is E[(D(G(x)) - 1)^2] without the
1/2 of jaxgan.losses' LSGAN, so λ = 10 weighs cycle against it as in the paper.
"""

import jax
import jax.numpy as jnp

from jaxgan import losses

CYCLE_WEIGHT = 10.0      # λ of CycleGAN.
IDENTITY_FRACTION = 0.5  # The identity term's weight is 0.5 λ.
L1_WEIGHT = 100.0        # λ of pix2pix.


Adversarial = losses.AdversarialLoss


def _bce(logits, target: float):
  # -[t log sigmoid(l) + (1 - t) log sigmoid(-l)], stable in l.
  return -jnp.mean(target * jax.nn.log_sigmoid(logits) + (1 - target) * jax.nn.log_sigmoid(-logits))


ADVERSARIAL = {
    # pix2pix: cross-entropy GAN, G non-saturating.
    "vanilla": Adversarial(d=lambda r, f: 0.5 * (_bce(r, 1.0) + _bce(f, 0.0)),
                           g=losses.fake_only(lambda f: _bce(f, 1.0))),
    # CycleGAN: least squares (Mao et al. 2017), real 1, fake 0.
    "lsgan": Adversarial(d=lambda r, f: 0.5 * (jnp.mean(jnp.square(r - 1.0)) +
                                               jnp.mean(jnp.square(f))),
                         g=losses.fake_only(lambda f: jnp.mean(jnp.square(f - 1.0)))),
    # RpGAN (Jolicoeur-Martineau 2019), the loss of R3GAN (Huang et al. 2024); G reads D's
    # logits on real images of its target domain too.
    "relativistic_pairing": losses.LOSSES["relativistic_pairing"],
}


def l1(output, target):
  return jnp.mean(jnp.abs(output - target))


def cycle_loss(real_a, reconstructed_a, real_b, reconstructed_b, weight: float = CYCLE_WEIGHT):
  """λ (|F(G(a)) - a|_1 + |G(F(b)) - b|_1), each a mean over pixels (Zhu et al. Eq. 2)."""
  return weight * (l1(reconstructed_a, real_a) + l1(reconstructed_b, real_b))


def identity_loss(real_a, identity_a, real_b, identity_b, weight: float = CYCLE_WEIGHT,
                  fraction: float = IDENTITY_FRACTION):
  """0.5 λ (|F(a) - a|_1 + |G(b) - b|_1): each generator leaves its own target domain alone
  (Zhu et al. Sec. 5.2, after Taigman et al. 2017). `identity_a` = F(a), `identity_b` = G(b)."""
  return weight * fraction * (l1(identity_a, real_a) + l1(identity_b, real_b))


def dilate(mask, radius: int):
  """Binary dilation of mask [N, H, W, 1] by a (2r+1)^2 square."""
  if radius <= 0:
    return mask
  window = (1, 2 * radius + 1, 2 * radius + 1, 1)
  return jax.lax.reduce_window(mask, -jnp.inf, jax.lax.max, window, (1, 1, 1, 1), "SAME")


def hole_weights(mask, overlap: int = 4, overlap_weight: float = 10.0):
  """Per-pixel weights [N, H, W, 1]: 1 in the hole (mask = 1), `overlap_weight` on the
  `overlap`-pixel band of context around it, 0 elsewhere. Pathak et al. predict the hole plus
  that band and weigh the band 10x, so the fill agrees with its surroundings (their code:
  overlapPred = 4, wtl2 = 10)."""
  mask = mask.astype(jnp.float32)
  band = dilate(mask, overlap) - mask
  return mask + overlap_weight * band


def hole_weighted_loss(output, target, mask, overlap: int = 4, overlap_weight: float = 10.0,
                       power: int = 2):
  """The context encoder's reconstruction loss: mean over the hole and its band of
  weight * |output - target|^power (power 2: their masked L2), per channel."""
  weights = hole_weights(mask, overlap, overlap_weight)
  error = jnp.abs(output - target) ** power
  covered = jnp.sum((weights > 0).astype(jnp.float32)) * output.shape[-1]
  return jnp.sum(weights * error) / jnp.maximum(covered, 1.0)
