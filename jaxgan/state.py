"""The network part of every train state: parameters, mutable collections, optimizer state.

Optimizers and modules are not in the state: they are rebuilt from the config and bound to
the step with functools.partial, so a checkpoint is arrays only. Each kind's state (in
jaxgan/kinds/<name>/state.py) holds one `Network` per trained module.
"""

from typing import Any

import flax.struct
import optax


@flax.struct.dataclass
class Network:
  params: Any
  collections: Any   # Mutable variable collections: batch statistics, spectral-norm vectors.
  opt_state: Any

  def apply_gradients(self, tx: optax.GradientTransformation, grads,
                      collections=None) -> "Network":
    """One optimizer update of the parameters; `collections` (if given) replace the old."""
    updates, opt_state = tx.update(grads, self.opt_state, self.params)
    return Network(params=optax.apply_updates(self.params, updates),
                   collections=self.collections if collections is None else collections,
                   opt_state=opt_state)


def init_network(module, key, inputs: tuple, tx: optax.GradientTransformation) -> Network:
  variables = dict(module.init(key, *inputs, train=False))
  params = variables.pop("params")
  return Network(params=params, collections=variables, opt_state=tx.init(params))
