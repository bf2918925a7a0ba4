"""pix2pix's state and pure step: one D update on (source, target) vs (source, G(source)),
then one G update on adversarial + λ · reconstruction (Isola et al. 2017, Eq. 4)."""

import functools

import flax.struct
import jax
import jax.numpy as jnp
import optax

from jaxgan.translation import losses as tl
from jaxgan.state import Network

STREAM = "train"


@flax.struct.dataclass
class Pix2PixState:
  step: jax.Array
  key: jax.Array      # The run's root key; each step uses fold_in(key, step) (dropout).
  g: Network
  d: Network


def run(module, network: Network, params, *inputs, train: bool, **kwargs):
  """module(*inputs) in train mode; (output, updated collections)."""
  cols = network.collections
  out, new_cols = module.apply({"params": params, **cols}, *inputs, train=train,
                               mutable=list(cols), **kwargs)
  return out, {**cols, **new_cols}


def hole(mask):
  """The stored uint8 mask (255 in the hole) reaches the step as +1 / -1: -> 1 / 0."""
  return (mask > 0).astype(jnp.float32)


def composite(output, source, mask):
  """Inpainting: the generated pixels in the hole (mask as stored), the known ones elsewhere."""
  inside = hole(mask)
  return inside * output + (1.0 - inside) * source


def reconstruction(config_loss, output, target, mask):
  if config_loss.reconstruction == "hole":
    return tl.hole_weighted_loss(output, target, hole(mask), config_loss.overlap,
                                 config_loss.overlap_weight)
  return tl.l1(output, target)


def pix2pix_step(state: Pix2PixState, batch, *, generator, discriminator, g_tx, d_tx,
                 loss_config):
  """batch["train"]: source, target [B, H, W, C] in [-1, 1] (and mask [B, H, W, 1], +1 in the
  hole and -1 elsewhere, for the hole loss or pasting)."""
  data = batch[STREAM]
  source, target = data["source"], data["target"]
  mask = data.get("mask")
  adversarial = tl.ADVERSARIAL[loss_config.adversarial]
  key = jax.random.fold_in(state.key, state.step)

  def generate(g_params):
    return run(generator, state.g, g_params, source, train=True, rngs={"dropout": key})

  raw, g_vjp, g_cols = jax.vjp(generate, state.g.params, has_aux=True)
  shown = composite(raw, source, mask) if loss_config.paste_context else raw
  fake = jax.lax.stop_gradient(shown)

  def d_loss_fn(d_params):
    real_logits, cols = run(discriminator, state.d, d_params, target, source, train=True)
    fake_logits, cols = run(discriminator, state.d.replace(collections=cols), d_params, fake,
                            source, train=True)
    return adversarial.d(real_logits, fake_logits), (cols, real_logits, fake_logits)

  (d_loss, (d_cols, real_logits, fake_logits)), d_grads = jax.value_and_grad(
      d_loss_fn, has_aux=True)(state.d.params)
  d_net = state.d.apply_gradients(d_tx, d_grads, d_cols)

  real_logits_for_g = None   # The relativistic loss pairs G's output with the real target.
  if adversarial.g_reads_real:
    real_logits_for_g = jax.lax.stop_gradient(
        run(discriminator, d_net, d_net.params, target, source, train=True)[0])

  def g_loss_fn(raw_output):
    output = composite(raw_output, source, mask) if loss_config.paste_context else raw_output
    logits, cols = run(discriminator, d_net, d_net.params, output, source, train=True)
    g_adv = adversarial.g(real_logits_for_g, logits)
    g_rec = reconstruction(loss_config, raw_output, target, mask)
    return g_adv + loss_config.weight * g_rec, (cols, g_adv, g_rec)

  (_, (d_cols, g_adv, g_rec)), raw_grads = jax.value_and_grad(g_loss_fn, has_aux=True)(raw)
  (g_grads,) = g_vjp(raw_grads)
  g_net = state.g.apply_gradients(g_tx, g_grads, g_cols)
  d_net = d_net.replace(collections=d_cols)
  metrics = {"d_loss": d_loss, "g_adv": g_adv, "g_rec": g_rec,
             "d_real": jnp.mean(jax.nn.sigmoid(real_logits)),
             "d_fake": jnp.mean(jax.nn.sigmoid(fake_logits)),
             "g_grad_norm": optax.tree.norm(g_grads), "d_grad_norm": optax.tree.norm(d_grads)}
  return state.replace(step=state.step + 1, g=g_net, d=d_net), metrics


def make_step(config, generator, discriminator, g_tx, d_tx):
  return functools.partial(pix2pix_step, generator=generator, discriminator=discriminator,
                           g_tx=g_tx, d_tx=d_tx, loss_config=_Static(config.loss))


class _Static:
  """The loss fields as a plain, hashable-free record (ConfigDicts are not jit-friendly)."""

  def __init__(self, loss):
    self.adversarial = loss.adversarial
    self.reconstruction = loss.reconstruction
    self.weight = float(loss.weight)
    self.overlap = int(loss.overlap)
    self.overlap_weight = float(loss.overlap_weight)
    self.paste_context = bool(loss.paste_context)
