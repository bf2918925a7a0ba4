"""The GAN's pure training step: (state, batch) -> (state, metrics).

Static pieces (modules, optimizers, loss, penalty, hyperparameters) are bound with
functools.partial by `make_gan_step`; only arrays flow through the jitted function.
"""

import functools

import jax
import jax.numpy as jnp
import optax

from jaxgan import losses
from jaxgan import penalties
from jaxgan.kinds.gan import remedies
from jaxgan.kinds.gan import unroll
from jaxgan.kinds.gan.state import GANState
from jaxgan.kinds.gan import codes as codes_lib
from jaxgan.models import heads
from jaxgan.ops import batch_sharding
from jaxgan.kinds.gan import diffaugment

# The data stream the step reads (Kind.streams).
STREAM = "train"


def apply_train(module, network_or_variables, params, *inputs, collections=None):
  """Runs `module` in training mode; returns (output, updated mutable collections)."""
  collections = network_or_variables.collections if collections is None else collections
  return module.apply({"params": params, **collections}, *inputs, train=True,
                      mutable=list(collections))


def sample_latents(key, batch_size: int, latent_dim: int, num_classes: int):
  """z ~ N(0, I) and, for conditional models, labels uniform over the classes."""
  z_key, y_key = jax.random.split(key)
  z = jax.random.normal(z_key, (batch_size, latent_dim), jnp.float32)
  y = jax.random.randint(y_key, (batch_size,), 0, num_classes) if num_classes else None
  return z, y


def clip_weights(params, limit: float):
  """WGAN's weight clipping (Arjovsky et al. 2017): every D parameter into [-limit, limit]."""
  return optax.projections.projection_linf_ball(params, limit)


def gan_step(state: GANState, batch, *, generator, discriminator, g_tx, d_tx, loss,
             penalty, penalty_weight: float, latent_dim: int, num_classes: int, n_dis: int,
             ema_decay: float, penalty_scale=None, penalty_every: int = 1,
             penalty_examples: int = 0,
             d_clip: float = 0.0, aux_weight: float = 1.0,
             code_dims: tuple = (0, 0), unroll_steps: int = 0, augment_policy: tuple = ()):
  """`n_dis` discriminator updates, then one generator update, then the EMA of G.

  `batch["train"]["image"]` holds n_dis * B images: each D update sees fresh real images. The G
  update reuses the fakes (and the forward pass) of the last D update, as PyTorch's DCGAN
  does, so one step costs one G forward, not two. D may return `(logits, aux)`: its
  auxiliary heads (ACGAN, InfoGAN) add `aux_weight` times their losses to D's and G's.
  InfoGAN's codes (`code_dims` = categorical, continuous) are appended to z.

  A loss whose G reads real logits (the relativistic ones) runs D on the last D update's real
  batch in G's update too, after the fakes so each fake is paired with its own real
  partner. `penalty_scale(step)`, if given, scales the penalty's weight (its schedule).
  `penalty_every` = k > 1 applies the penalty on every k-th step only, k times as strongly
  (lazy regularisation, Karras et al. 2020), which saves most of its double backward pass.
  `penalty_examples` = k > 0 estimates the penalty (a mean over examples) on the first k
  real and fake examples only, which shrinks its double backward pass k / B times (StyleGAN2
  computes its path-length penalty on a shrunk batch the same way).

  Remedies (kinds/gan/remedies.py): `augment_policy` applies DiffAugment to every image D
  sees, real and fake, with G's gradient through it; `unroll_steps` = K > 0 takes G's loss
  against D after K differentiated optimizer steps from D before its last update, on that
  update's batch (Metz et al.: D itself keeps its normal update). Packing and the
  minibatch-stddev layer live in D (the module) and need nothing here.
  """
  key = jax.random.fold_in(state.key, state.step)
  weight = penalty_weight * (penalty_scale(state.step) if penalty_scale else 1.0)
  penalty_now = state.step % penalty_every == 0 if penalty_every > 1 else None
  if penalty_every > 1:
    weight = weight * penalty_every
  data = batch[STREAM]
  images = data["image"].reshape((n_dis, -1, *data["image"].shape[1:]))
  labels = data["label"].reshape((n_dis, -1)) if num_classes else [None] * n_dis
  batch_size = images.shape[1]
  d_net, g_collections = state.d, state.g.collections
  metrics = {}

  def augment(aug_key, x):
    return diffaugment.augment(aug_key, x, augment_policy) if augment_policy else x

  def d_objective(d_params, collections, real, real_labels, fake, fake_labels, penalty_key,
                  codes, aug_key):
    real = augment(jax.random.fold_in(aug_key, 0), real)
    fake = augment(jax.random.fold_in(aug_key, 1), fake)
    real_out, cols = apply_train(discriminator, None, d_params, real, real_labels,
                                 collections=collections)
    fake_out, cols = apply_train(discriminator, None, d_params, fake, fake_labels,
                                 collections=cols)
    (real_logits, real_aux), (fake_logits, fake_aux) = map(heads.split_outputs,
                                                           (real_out, fake_out))
    # The penalty sees D with frozen statistics: a regulariser must not move them.
    k = penalty_examples or real.shape[0]
    penalty_real, penalty_fake = real[:k], fake[:k]
    penalty_labels = None if real_labels is None else real_labels[:k]
    discriminate = lambda x: heads.split_outputs(apply_train(
        discriminator, None, d_params, x, penalty_labels, collections=collections)[0])[0]
    if penalty_now is None:
      penalty_value = penalty(discriminate, penalty_real, penalty_fake, penalty_key)
    else:
      penalty_value = jax.lax.cond(
          penalty_now,
          lambda: penalty(discriminate, penalty_real, penalty_fake, penalty_key).astype(
              jnp.float32),
          lambda: jnp.zeros((), jnp.float32))
    adversarial = loss.d(real_logits, fake_logits)
    aux = losses.auxiliary_d(real_aux, fake_aux, real_labels, fake_labels, codes)
    total = adversarial + weight * penalty_value + aux_weight * aux
    return total, (cols, {
        "d_loss": adversarial, "penalty": penalty_value,
        "d_real": jnp.mean(jax.nn.sigmoid(real_logits)),
        "d_fake": jnp.mean(jax.nn.sigmoid(fake_logits)),
        "d_real_logit": jnp.mean(real_logits), "d_fake_logit": jnp.mean(fake_logits),
        **({"d_aux_loss": aux} if real_aux else {})})

  for i in range(n_dis):
    z_key, penalty_key = jax.random.split(jax.random.fold_in(key, i))
    aug_key = jax.random.fold_in(z_key, 2)
    z, fake_labels = sample_latents(z_key, batch_size, latent_dim, num_classes)
    codes = codes_lib.sample(jax.random.fold_in(z_key, 1), batch_size, *code_dims)
    z = codes_lib.append(z, codes, code_dims[0])
    z, fake_labels, codes = batch_sharding.shard_like((z, fake_labels, codes), images[i])

    def generate(g_params, z=z, fake_labels=fake_labels, g_collections=g_collections):
      return apply_train(generator, state.g, g_params, z, fake_labels, collections=g_collections)

    if i == n_dis - 1:
      fake, g_vjp, g_collections = jax.vjp(generate, state.g.params, has_aux=True)
    else:
      fake, g_collections = generate(state.g.params)
    fake = jax.lax.stop_gradient(fake)
    real, real_labels = images[i], labels[i]
    d_inputs = (real, real_labels, fake, fake_labels, penalty_key, codes, aug_key)

    d_grads, (d_cols, metrics) = jax.grad(d_objective, has_aux=True)(
        d_net.params, d_net.collections, *d_inputs)
    metrics["d_grad_norm"] = optax.tree.norm(d_grads)
    d_before = d_net
    d_net = d_net.apply_gradients(d_tx, d_grads, d_cols)
    if d_clip:
      d_net = d_net.replace(params=clip_weights(d_net.params, d_clip))

  g_aug_key = jax.random.fold_in(key, n_dis + 0x6A)

  def g_loss_fn(fake_images):
    d_params, d_collections = d_net.params, d_net.collections
    if unroll_steps:
      def unrolled_loss(params, collections):
        inputs = (real, real_labels, fake_images) + d_inputs[3:]
        total, (cols, _) = d_objective(params, collections, *inputs)
        return total, cols
      d_params, d_collections = unroll.unroll(unrolled_loss, d_tx, d_before.params,
                                              d_before.opt_state, d_before.collections,
                                              unroll_steps)
    out, cols = apply_train(discriminator, None, d_params, augment(g_aug_key, fake_images),
                            fake_labels, collections=d_collections)
    logits, aux = heads.split_outputs(out)
    real_logits = None
    if loss.g_reads_real:
      real_out, cols = apply_train(discriminator, None, d_params,
                                   augment(jax.random.fold_in(g_aug_key, 1), real),
                                   real_labels, collections=cols)
      real_logits = jax.lax.stop_gradient(heads.split_outputs(real_out)[0])
    adversarial = loss.g(real_logits, logits)
    aux_loss = losses.auxiliary_g(aux, fake_labels, codes)
    # The unrolled D is G's lookahead only: D's statistics stay those of its real update.
    cols = d_net.collections if unroll_steps else cols
    return adversarial + aux_weight * aux_loss, (cols, adversarial, aux_loss)

  (_, (d_cols, g_loss, g_aux)), fake_grads = jax.value_and_grad(g_loss_fn, has_aux=True)(fake)
  (g_grads,) = g_vjp(fake_grads)
  g_net = state.g.apply_gradients(g_tx, g_grads, g_collections)
  d_net = d_net.replace(collections=d_cols)
  ema_params = optax.incremental_update(g_net.params, state.ema_params, 1.0 - ema_decay)
  metrics.update(g_loss=g_loss, g_grad_norm=optax.tree.norm(g_grads))
  if "d_aux_loss" in metrics:
    metrics["g_aux_loss"] = g_aux
  new_state = state.replace(step=state.step + 1, g=g_net, d=d_net, ema_params=ema_params)
  return new_state, metrics


def make_gan_step(config, generator, discriminator, g_tx, d_tx):
  """Binds the static parts of `gan_step` from the config."""
  return functools.partial(
      gan_step, generator=generator, discriminator=discriminator, g_tx=g_tx, d_tx=d_tx,
      loss=losses.get(config.loss.name), penalty=penalties.get(config.penalty.name),
      penalty_weight=config.penalty.weight, latent_dim=config.model.latent_dim,
      penalty_scale=functools.partial(
          penalties.weight_scale, num_steps=config.num_steps,
          schedule=config.penalty.get("schedule", "constant"),
          final_fraction=config.penalty.get("final_fraction", 0.1)),
      penalty_every=config.penalty.get("every", 1),
      penalty_examples=config.penalty.get("examples", 0),
      num_classes=config.model.num_classes, n_dis=config.optim.n_dis,
      ema_decay=config.optim.ema_decay, d_clip=config.optim.d_clip,
      aux_weight=config.loss.aux_weight,
      code_dims=(config.model.info_categorical, config.model.info_continuous),
      **remedies.step_options(config))


def generate(generator, g_params, g_collections, z, labels=None):
  """Samples images in inference mode (running batch statistics)."""
  return generator.apply({"params": g_params, **g_collections}, z, labels, train=False)


def standing_collections(generator, g_params, g_collections, z, labels=None):
  """`g_collections` with BatchNorm's running averages replaced by the statistics G computes
  with `g_params` on (z, labels): BigGAN's "standing statistics" (Brock et al. 2019). The EMA
  weights need them, since the running averages were gathered by the raw weights.

  A running average updates as new = m * old + (1 - m) * batch, so starting it from 0 gives
  (1 - m) * batch and starting it from 1 adds m: the batch statistics come out of two runs
  whatever momentum each layer uses (the m run takes two samples).
  """
  if "batch_stats" not in g_collections:
    return g_collections
  stats = g_collections["batch_stats"]

  def updated(start, z, labels):
    _, new = generator.apply({"params": g_params, **g_collections, "batch_stats": start}, z,
                             labels, train=True, mutable=list(g_collections))
    return new["batch_stats"]

  zeros = jax.tree.map(jnp.zeros_like, stats)
  ones = jax.tree.map(jnp.ones_like, stats)
  small = (z[:2], None if labels is None else labels[:2])
  momentum = jax.tree.map(jnp.subtract, updated(ones, *small), updated(zeros, *small))
  batch = jax.tree.map(lambda u, m: u / (1.0 - m), updated(zeros, z, labels), momentum)
  return {**g_collections, "batch_stats": batch}
