"""pix2pix (Isola et al. 2017): paired image-to-image translation, and inpainting as a
pix2pix task (the context-encoder setting, Pathak et al. 2016) by config.

  kind.py  the kind's class: streams, init, step, visuals, samples, evaluation
  config.py      its config fields and their checks
  step.py        the state and the pure step
"""

from jaxgan.kinds.pix2pix.kind import Pix2PixKind

KIND = Pix2PixKind
