"""The video GAN kind: a sequence GAN on Moving MNIST (MoCoGAN's generator, or moving sprites).

  kind.py  the kind (KIND): config, streams, state, step, strips, GIFs, evaluation
  config.py      its own config fields and their checks
  step.py        the train state and the pure step
  networks.py    MoCoGAN's generator and the two discriminators
  sprite_generator.py  the moving-sprite generator (warp.py: its translation and bounce)
  visuals.py     strips and animated GIFs
"""

from jaxgan.kinds.video_gan.kind import VideoGANKind

KIND = VideoGANKind
