"""The GAN kind: G and D by architecture name, any loss, penalty and optimizer, n_dis D
updates per G update, an EMA of G, sample grids and FID/KID/IS/PR/DC/mode metrics.

  kind.py  the kind's class (what the loop, sweeps and modes call)
  config.py      its config fields and their checks
  state.py       GANState: G, D, the EMA of G, step, key
  step.py        the pure step
"""

from jaxgan.kinds.gan.kind import GANKind

KIND = GANKind
