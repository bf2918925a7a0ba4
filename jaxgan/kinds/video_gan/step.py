"""The video GAN's train state and its pure step: (state, batch) -> (state, metrics).

Each step makes `n_dis` discriminator updates, then one generator update, then the EMA of G.
Both discriminators learn in every D update from one loss,

  L_D = image_weight * loss.d(D_I(real frames), D_I(fake frames))
      + video_weight * loss.d(D_V(real clips), D_V(fake clips))
      + penalty.weight * (penalty(D_I, real frames, fake frames) + penalty(D_V, clips))

and G minimises image_weight * loss.g(D_I(fake frames)) + video_weight * loss.g(D_V(fakes))
(a loss whose G reads real logits is refused by the config),
with any of jaxgan.losses and jaxgan.penalties. D_I sees `image_frames` frames per video at
random times (MoCoGAN samples single frames); in continuation mode only generated times
(>= k) are sampled, since the given frames are the same on both sides. As in the GAN step,
the G update reuses the fakes (and the forward pass) of the last D update.
"""

import functools

import flax.struct
import jax
import jax.numpy as jnp
import optax

from jaxgan import losses
from jaxgan import penalties
from jaxgan import state as state_lib
from jaxgan.ops import batch_sharding


@flax.struct.dataclass
class VideoGANState:
  step: jax.Array
  key: jax.Array             # The run's root key; each step uses fold_in(key, step).
  g: state_lib.Network
  image_d: state_lib.Network
  video_d: state_lib.Network
  ema_params: object         # EMA of G's parameters, for samples and evaluation.


def latents(key, batch: int, num_frames: int, content_dim: int, noise_dim: int):
  """z_C ~ N(0, I) [B, Dc] and the GRU's per-frame noise eps ~ N(0, I) [B, T, De]."""
  content_key, noise_key = jax.random.split(key)
  return (jax.random.normal(content_key, (batch, content_dim), jnp.float32),
          jax.random.normal(noise_key, (batch, num_frames, noise_dim), jnp.float32))


def create_state(seed: int, generator, image_d, video_d, g_tx, d_tx, frame_shape,
                 content_dim: int, noise_dim: int, context_frames: int,
                 num_classes: int = 0) -> VideoGANState:
  key = jax.random.PRNGKey(seed)
  init_key, run_key = jax.random.split(key)
  g_key, di_key, dv_key = jax.random.split(init_key, 3)
  t = frame_shape[0]
  z, noise = jnp.zeros((1, content_dim)), jnp.zeros((1, t, noise_dim))
  context = jnp.zeros((1, context_frames, *frame_shape[1:])) if context_frames else None
  y = jnp.zeros((1,), jnp.int32) if num_classes else None
  g = state_lib.init_network(generator, g_key, (z, noise, context, y), g_tx)
  image_d_net = state_lib.init_network(image_d, di_key, (jnp.zeros((1, *frame_shape[1:])), y),
                                       d_tx)
  video_d_net = state_lib.init_network(video_d, dv_key, (jnp.zeros((1, *frame_shape)), y), d_tx)
  return VideoGANState(step=jnp.zeros((), jnp.int32), key=run_key, g=g, image_d=image_d_net,
                       video_d=video_d_net, ema_params=jax.tree.map(jnp.copy, g.params))


def _apply_train(module, network, params, x, y=None, collections=None):
  collections = network.collections if collections is None else collections
  return module.apply({"params": params, **collections}, x, y, train=True,
                      mutable=list(collections))


def _update(tx, network, grads, collections):
  updates, opt_state = tx.update(grads, network.opt_state, network.params)
  return network.replace(params=optax.apply_updates(network.params, updates),
                         collections=collections, opt_state=opt_state)


def sample_frames(key, clips, per_video: int, first: int):
  """`per_video` frames of each clip [B, T, ...] at uniform times in [first, T): [B*n, ...]."""
  b, t = clips.shape[:2]
  times = jax.random.randint(key, (b, per_video), first, t)
  times = batch_sharding.shard_like(times, clips)
  picked = jnp.take_along_axis(clips, times.reshape((b, per_video) + (1,) * (clips.ndim - 2)),
                               axis=1)
  return batch_sharding.reshape(picked, (b * per_video,) + clips.shape[2:], clips)


def video_gan_step(state: VideoGANState, batch, *, generator, image_d, video_d, g_tx, d_tx,
                   loss, penalty, penalty_weight: float, content_dim: int, noise_dim: int,
                   context_frames: int, image_frames: int, image_weight: float,
                   video_weight: float, n_dis: int, ema_decay: float, num_classes: int = 0):
  """One step on `batch["train"]["frames"]`: n_dis * B clips [T, H, W, C] in [-1, 1] (and,
  when class-conditional, their `labels` [n_dis * B, 1])."""
  key = jax.random.fold_in(state.key, state.step)
  clips = batch["train"]["frames"]
  clips = clips.reshape((n_dis, -1) + clips.shape[1:])
  classes = (batch["train"]["labels"][:, 0].reshape(n_dis, -1) if num_classes
             else [None] * n_dis)
  b, t = clips.shape[1], clips.shape[2]
  k = context_frames
  di_net, dv_net, g_collections = state.image_d, state.video_d, state.g.collections
  metrics = {}

  for i in range(n_dis):
    z_key, frame_key, penalty_key = jax.random.split(jax.random.fold_in(key, i), 3)
    # A conditional G is asked for the real batch's digits: real and fake clips then share
    # labels, and so do the penalties that see both.
    real, y = clips[i], classes[i]
    z, noise = latents(z_key, b, t, content_dim, noise_dim)
    z, noise = batch_sharding.shard_like((z, noise), real)
    context = real[:, :k] if k else None

    def generate(g_params, z=z, noise=noise, context=context, y=y,
                 g_collections=g_collections):
      return generator.apply({"params": g_params, **g_collections}, z, noise, context, y,
                             train=True, mutable=list(g_collections))

    if i == n_dis - 1:
      fake, g_vjp, g_collections = jax.vjp(generate, state.g.params, has_aux=True)
    else:
      fake, g_collections = generate(state.g.params)
    fake = jax.lax.stop_gradient(fake)
    # The same times for real and fake clips: D_I compares like with like.
    real_frames = sample_frames(frame_key, real, image_frames, k)
    fake_frames = sample_frames(frame_key, fake, image_frames, k)
    penalty_keys = jax.random.split(penalty_key)
    frame_y = lambda y: None if y is None else jnp.repeat(y, image_frames)

    def d_loss_fn(d_params, real=real, fake=fake, real_frames=real_frames,
                  fake_frames=fake_frames, penalty_keys=penalty_keys, y=y):
      di_params, dv_params = d_params
      terms = {}
      cols = []
      for name, module, net, params, weight, r, f, labels, pkey in (
          ("image", image_d, di_net, di_params, image_weight, real_frames, fake_frames,
           frame_y(y), penalty_keys[0]),
          ("video", video_d, dv_net, dv_params, video_weight, real, fake, y, penalty_keys[1])):
        real_logits, c = _apply_train(module, net, params, r, labels)
        fake_logits, c = _apply_train(module, net, params, f, labels, c)
        # The penalty sees D with frozen statistics: a regulariser must not move them.
        discriminate = lambda x, module=module, net=net, params=params, labels=labels: (
            _apply_train(module, net, params, x, labels)[0])
        terms[f"d_loss_{name}"] = loss.d(real_logits, fake_logits)
        terms[f"penalty_{name}"] = penalty(discriminate, r, f, pkey)
        terms[f"d_real_logit_{name}"] = jnp.mean(real_logits)
        terms[f"d_fake_logit_{name}"] = jnp.mean(fake_logits)
        terms[f"_weight_{name}"] = weight
        cols.append(c)
      total = sum(terms[f"_weight_{n}"] * terms[f"d_loss_{n}"]
                  + penalty_weight * terms[f"penalty_{n}"] for n in ("image", "video"))
      terms = {name: value for name, value in terms.items() if not name.startswith("_")}
      terms["d_loss"] = total
      return total, (tuple(cols), terms)

    d_grads, ((di_cols, dv_cols), metrics) = jax.grad(d_loss_fn, has_aux=True)(
        (di_net.params, dv_net.params))
    metrics["d_grad_norm"] = optax.tree.norm(d_grads)
    di_net = _update(d_tx, di_net, d_grads[0], di_cols)
    dv_net = _update(d_tx, dv_net, d_grads[1], dv_cols)

  def g_loss_fn(fake_clips):
    fake_frames_g = sample_frames(frame_key, fake_clips, image_frames, k)
    image_logits, di_cols = _apply_train(image_d, di_net, di_net.params, fake_frames_g,
                                         frame_y(y))
    video_logits, dv_cols = _apply_train(video_d, dv_net, dv_net.params, fake_clips, y)
    image_loss, video_loss = loss.g(None, image_logits), loss.g(None, video_logits)
    return (image_weight * image_loss + video_weight * video_loss,
            (di_cols, dv_cols, image_loss, video_loss))

  (g_loss, (di_cols, dv_cols, g_image, g_video)), fake_grads = jax.value_and_grad(
      g_loss_fn, has_aux=True)(fake)
  (g_grads,) = g_vjp(fake_grads)
  g_net = _update(g_tx, state.g, g_grads, g_collections)
  ema_params = optax.incremental_update(g_net.params, state.ema_params, 1.0 - ema_decay)
  metrics.update(g_loss=g_loss, g_loss_image=g_image, g_loss_video=g_video,
                 g_grad_norm=optax.tree.norm(g_grads))
  return state.replace(step=state.step + 1, g=g_net, image_d=di_net.replace(collections=di_cols),
                       video_d=dv_net.replace(collections=dv_cols),
                       ema_params=ema_params), metrics


def make_step(config, generator, image_d, video_d, g_tx, d_tx):
  """Binds the static parts of `video_gan_step` from the kind's config."""
  m = config.model
  return functools.partial(
      video_gan_step, generator=generator, image_d=image_d, video_d=video_d, g_tx=g_tx,
      d_tx=d_tx, loss=losses.get(config.loss.name), penalty=penalties.get(config.penalty.name),
      penalty_weight=config.penalty.weight, content_dim=m.content_dim, noise_dim=m.noise_dim,
      context_frames=m.context_frames, image_frames=m.image_frames,
      image_weight=config.loss.image_weight, video_weight=config.loss.video_weight,
      n_dis=config.optim.n_dis, ema_decay=config.optim.ema_decay, num_classes=m.num_classes)


def generate(generator, params, collections, z, noise, context=None, labels=None):
  """Videos in inference mode (G's running batch statistics)."""
  return generator.apply({"params": params, **collections}, z, noise, context, labels,
                         train=False)
