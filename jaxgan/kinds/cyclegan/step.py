"""CycleGAN's state and pure step (Zhu et al. 2017, Eq. 3 and Sec. 4).

One step: both generators update on
    L_GAN(G, D_B) + L_GAN(F, D_A) + λ L_cyc + 0.5 λ L_identity
with the discriminators fixed, then each discriminator updates on real images of its domain
against generated ones drawn through its history pool (a query replaces, with probability
1/2, a stored image with the new one and shows the stored one), plus, if configured, a
zero-centred gradient penalty (R1 on its real images, R2 on the shown fakes, or both; of D's
mean patch logit per image) weighted by gamma. G: A -> B is `g_ab`,
F: B -> A is `g_ba`; D_A judges domain A, D_B domain B.
"""

import functools

import flax.struct
import jax
import jax.numpy as jnp
import optax

from jaxgan import penalties
from jaxgan.kinds.cyclegan import image_pool
from jaxgan.translation import losses as tl
from jaxgan.state import Network

STREAMS = ("a", "b")


@flax.struct.dataclass
class CycleGANState:
  step: jax.Array
  key: jax.Array          # The run's root key; each step uses fold_in(key, step) (the pools).
  g_ab: Network
  g_ba: Network
  d_a: Network
  d_b: Network
  pool_a: image_pool.ImagePool   # Generated A images (F(b)) that D_A trains on.
  pool_b: image_pool.ImagePool   # Generated B images (G(a)) that D_B trains on.


def run(module, network: Network, params, x):
  cols = network.collections
  out, new_cols = module.apply({"params": params, **cols}, x, train=True, mutable=list(cols))
  return out, {**cols, **new_cols}


def adversarial_g(adv, d_module, d_network: Network, real, fake):
  """G's adversarial term against one (fixed) discriminator; D also reads the real images of
  that domain when the loss pairs them (RpGAN)."""
  real_logits = None
  if adv.g_reads_real:
    real_logits = jax.lax.stop_gradient(run(d_module, d_network, d_network.params, real)[0])
  return adv.g(real_logits, run(d_module, d_network, d_network.params, fake)[0])


def cyclegan_step(state: CycleGANState, batch, *, g_ab, g_ba, d_a, d_b, g_tx, d_tx,
                  adversarial: str, cycle_weight: float, identity_fraction: float,
                  penalty: str = "none", penalty_weight: float = 0.0):
  """batch["a"]["image"], batch["b"]["image"]: [B, H, W, C] in [-1, 1]."""
  real_a, real_b = batch["a"]["image"], batch["b"]["image"]
  adv = tl.ADVERSARIAL[adversarial]
  key = jax.random.fold_in(state.key, state.step)
  pool_key_a, pool_key_b = jax.random.split(key)
  use_identity = identity_fraction > 0

  def g_loss_fn(g_params):
    ab_params, ba_params = g_params
    fake_b, ab_cols = run(g_ab, state.g_ab, ab_params, real_a)
    fake_a, ba_cols = run(g_ba, state.g_ba, ba_params, real_b)
    rec_a, ba_cols = run(g_ba, state.g_ba.replace(collections=ba_cols), ba_params, fake_b)
    rec_b, ab_cols = run(g_ab, state.g_ab.replace(collections=ab_cols), ab_params, fake_a)
    g_adv = (adversarial_g(adv, d_b, state.d_b, real_b, fake_b) +
             adversarial_g(adv, d_a, state.d_a, real_a, fake_a))
    cycle = tl.cycle_loss(real_a, rec_a, real_b, rec_b, cycle_weight)
    identity = 0.0
    if use_identity:
      idt_b, ab_cols = run(g_ab, state.g_ab.replace(collections=ab_cols), ab_params, real_b)
      idt_a, ba_cols = run(g_ba, state.g_ba.replace(collections=ba_cols), ba_params, real_a)
      identity = tl.identity_loss(real_a, idt_a, real_b, idt_b, cycle_weight,
                                  identity_fraction)
    total = g_adv + cycle + identity
    return total, (ab_cols, ba_cols, fake_a, fake_b, g_adv, cycle, identity)

  (_, (ab_cols, ba_cols, fake_a, fake_b, g_adv, cycle, identity)), (ab_grads, ba_grads) = (
      jax.value_and_grad(g_loss_fn, has_aux=True)((state.g_ab.params, state.g_ba.params)))
  new_g_ab = state.g_ab.apply_gradients(g_tx, ab_grads, ab_cols)
  new_g_ba = state.g_ba.apply_gradients(g_tx, ba_grads, ba_cols)

  pool_a, shown_a = image_pool.query(state.pool_a, jax.lax.stop_gradient(fake_a), pool_key_a)
  pool_b, shown_b = image_pool.query(state.pool_b, jax.lax.stop_gradient(fake_b), pool_key_b)

  def d_update(module, network, real, fake):
    def loss_fn(params):
      real_logits, cols = run(module, network, params, real)
      fake_logits, cols = run(module, network.replace(collections=cols), params, fake)
      reg = 0.0
      if penalty_weight:
        def discriminate(x):   # One logit per image: the mean of its patch logits.
          logits = run(module, network, params, x)[0]
          return jnp.mean(logits.reshape((logits.shape[0], -1)), axis=1)
        reg = penalties.get(penalty)(discriminate, real, fake, None)
      return adv.d(real_logits, fake_logits) + penalty_weight * reg, (cols, reg)
    (loss, (cols, reg)), grads = jax.value_and_grad(loss_fn, has_aux=True)(network.params)
    return network.apply_gradients(d_tx, grads, cols), loss, reg, optax.tree.norm(grads)

  new_d_a, d_a_loss, d_a_penalty, d_a_norm = d_update(d_a, state.d_a, real_a, shown_a)
  new_d_b, d_b_loss, d_b_penalty, d_b_norm = d_update(d_b, state.d_b, real_b, shown_b)
  metrics = {"g_adv": g_adv, "cycle": cycle, "identity": identity, "d_a_loss": d_a_loss,
             "d_b_loss": d_b_loss, "d_penalty": d_a_penalty + d_b_penalty,
             "g_grad_norm": optax.tree.norm((ab_grads, ba_grads)),
             "d_grad_norm": optax.tree.norm((d_a_norm, d_b_norm))}
  new_state = state.replace(step=state.step + 1, g_ab=new_g_ab, g_ba=new_g_ba, d_a=new_d_a,
                            d_b=new_d_b, pool_a=pool_a, pool_b=pool_b)
  return new_state, metrics


def make_step(config, g_ab, g_ba, d_a, d_b, g_tx, d_tx):
  return functools.partial(
      cyclegan_step, g_ab=g_ab, g_ba=g_ba, d_a=d_a, d_b=d_b, g_tx=g_tx, d_tx=d_tx,
      adversarial=config.loss.adversarial, cycle_weight=float(config.loss.cycle_weight),
      identity_fraction=float(config.loss.identity_fraction),
      penalty=config.loss.penalty, penalty_weight=float(config.loss.penalty_weight))
