"""Adversarial losses written on discriminator logits, and the auxiliary-head losses.

Each adversarial loss is a pair: `d(real_logits, fake_logits)` and `g(real_logits,
fake_logits)`, both returning a scalar mean over the batch, as compare_gan's losses do. Most G
losses read only the fake logits; a relativistic loss reads both, and says so with
`g_reads_real` so that G's update runs D on a real batch only when the loss needs it. Adding a
loss is one pair plus one registry line.

A discriminator may also return auxiliary outputs (ACGAN's class logits, InfoGAN's Q head);
`auxiliary_d` / `auxiliary_g` turn them into the extra terms of the D and G losses.
"""

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax


class AdversarialLoss(NamedTuple):
  d: Callable[[jax.Array, jax.Array], jax.Array]
  g: Callable[[jax.Array, jax.Array], jax.Array]
  g_reads_real: bool = False      # True: g needs D's logits on real data too.


def fake_only(g_of_fake):
  """A G loss of the fake logits alone, in the (real_logits, fake_logits) signature."""
  def g(real_logits, fake_logits):
    del real_logits
    return g_of_fake(fake_logits)
  return g


def _minimax_d(real_logits, fake_logits):
  # -log D(x) - log(1 - D(G(z))), with log(1 - sigmoid(l)) = log_sigmoid(-l).
  return -jnp.mean(jax.nn.log_sigmoid(real_logits)) - jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def _minimax_g(fake_logits):
  # The saturating loss of the original paper: G minimises log(1 - D(G(z))).
  return jnp.mean(jax.nn.log_sigmoid(-fake_logits))


def _non_saturating_g(fake_logits):
  # Goodfellow et al.'s practical variant: G maximises log D(G(z)).
  return -jnp.mean(jax.nn.log_sigmoid(fake_logits))


def _wasserstein_d(real_logits, fake_logits):
  # Arjovsky et al. 2017: the critic maximises E[D(x)] - E[D(G(z))]; logits are critic values.
  return jnp.mean(fake_logits) - jnp.mean(real_logits)


def _wasserstein_g(fake_logits):
  return -jnp.mean(fake_logits)


def _hinge_d(real_logits, fake_logits):
  # Lim & Ye 2017; Miyato et al. 2018: E[relu(1 - D(x))] + E[relu(1 + D(G(z)))].
  return jnp.mean(jax.nn.relu(1.0 - real_logits)) + jnp.mean(jax.nn.relu(1.0 + fake_logits))


def _least_squares_d(real_logits, fake_logits):
  # Mao et al. 2017 with a=0, b=1 (fake/real targets): 1/2 E[(D(x)-1)^2] + 1/2 E[D(G(z))^2].
  # D is the raw logit (a linear output), as in the paper.
  return 0.5 * jnp.mean(jnp.square(real_logits - 1.0)) + 0.5 * jnp.mean(jnp.square(fake_logits))


def _least_squares_g(fake_logits):
  # c=1: G wants D to call its samples real, 1/2 E[(D(G(z))-1)^2].
  return 0.5 * jnp.mean(jnp.square(fake_logits - 1.0))


def _pairing_d(real_logits, fake_logits):
  # RpGAN (Jolicoeur-Martineau 2019; the loss of R3GAN, Huang et al. 2024): each real sample
  # is paired with one fake, E[softplus(-(D(x_i) - D(G(z_i))))].
  return jnp.mean(jax.nn.softplus(fake_logits - real_logits))


def _pairing_g(real_logits, fake_logits):
  # The same pairing with the roles swapped: G wants each fake to out-score its real partner.
  return jnp.mean(jax.nn.softplus(real_logits - fake_logits))


def _average_d(real_logits, fake_logits):
  # RaGAN (Jolicoeur-Martineau 2019, RaSGAN): each sample is compared with the other side's
  # mean logit, -E[log sigmoid(D(x) - mean D(G(z)))] - E[log(1 - sigmoid(D(G(z)) - mean D(x)))].
  return (jnp.mean(jax.nn.softplus(jnp.mean(fake_logits) - real_logits))
          + jnp.mean(jax.nn.softplus(fake_logits - jnp.mean(real_logits))))


def _average_g(real_logits, fake_logits):
  return _average_d(fake_logits, real_logits)


LOSSES: dict[str, AdversarialLoss] = {
    "minimax": AdversarialLoss(_minimax_d, fake_only(_minimax_g)),
    "non_saturating": AdversarialLoss(_minimax_d, fake_only(_non_saturating_g)),
    "wasserstein": AdversarialLoss(_wasserstein_d, fake_only(_wasserstein_g)),
    # G of the hinge GAN: -E[D(G(z))].
    "hinge": AdversarialLoss(_hinge_d, fake_only(_wasserstein_g)),
    "least_squares": AdversarialLoss(_least_squares_d, fake_only(_least_squares_g)),
    "relativistic_pairing": AdversarialLoss(_pairing_d, _pairing_g, g_reads_real=True),
    "relativistic_average": AdversarialLoss(_average_d, _average_g, g_reads_real=True),
}


def get(name: str) -> AdversarialLoss:
  return LOSSES[name]


def class_cross_entropy(logits, labels):
  return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def code_reconstruction(aux, codes) -> jax.Array:
  """InfoGAN's -L_I up to a constant: -log Q(c|x) for the codes that made the fakes.

  The categorical code is scored with cross-entropy; the continuous codes with a unit-variance
  factored Gaussian, i.e. 1/2 (c - mu)^2 summed over the codes (Chen et al. 2016, Sec. 6).
  """
  total = jnp.zeros((), jnp.float32)
  if "code_logits" in aux:
    total += class_cross_entropy(aux["code_logits"], codes["categorical"])
  if "code_mean" in aux:
    total += 0.5 * jnp.mean(jnp.sum(jnp.square(aux["code_mean"] - codes["continuous"]), -1))
  return total


def auxiliary_d(aux_real: dict, aux_fake: dict, real_labels, fake_labels, codes) -> jax.Array:
  """Extra D loss: ACGAN's class log-likelihood on real and fake (Odena et al. 2017, L_C)
  and InfoGAN's Q loss on the fakes. Zero when D has no auxiliary outputs."""
  total = jnp.zeros((), jnp.float32)
  if "class_logits" in aux_real:
    total += class_cross_entropy(aux_real["class_logits"], real_labels)
    total += class_cross_entropy(aux_fake["class_logits"], fake_labels)
  return total + code_reconstruction(aux_fake, codes)


def auxiliary_g(aux_fake: dict, fake_labels, codes) -> jax.Array:
  """Extra G loss: G also wants its samples classified as their label (ACGAN) and its codes
  recoverable from them (InfoGAN's mutual-information bound)."""
  total = jnp.zeros((), jnp.float32)
  if "class_logits" in aux_fake:
    total += class_cross_entropy(aux_fake["class_logits"], fake_labels)
  return total + code_reconstruction(aux_fake, codes)
