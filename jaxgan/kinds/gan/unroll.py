"""Unrolled GAN (Metz et al. 2017, "Unrolled Generative Adversarial Networks").

The generator's loss is taken against the discriminator as it will be after K more of its
optimizer steps, f(G, D_K(G)), with D_K = step(step(...step(D_0))), and differentiated
through those steps with JAX: G then also sees how D would respond to its move, which
takes away the payoff of jumping to whichever mode D currently likes least. The real D is
not replaced by D_K: it takes only its normal update (D_1), as in the paper.

`unroll` is the pure piece: K steps of an optax optimizer on a loss, every step a
differentiable function of the parameters and of whatever the loss closes over (the fakes).
"""

from typing import Callable

import jax
import optax


def unroll(loss_fn: Callable, tx: optax.GradientTransformation, params, opt_state,
           collections, steps: int):
  """`steps` updates of `tx` on `loss_fn`; returns (params, collections) after them.

  `loss_fn(params, collections) -> (loss, new_collections)`; collections carry D's mutable
  state (batch statistics) from step to step. Nothing is stopped: the result is
  differentiable with respect to everything `loss_fn` closes over.
  """
  for _ in range(steps):
    grads, collections = jax.grad(loss_fn, has_aux=True)(params, collections)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
  return params, collections
