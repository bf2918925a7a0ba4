"""The video GAN kind: a MoCoGAN-style sequence GAN on Moving MNIST.

  experiment.py  the kind (KIND): config, streams, state, step, strips, GIFs, evaluation
  config.py      its own config fields and their checks
  step.py        the train state and the pure step
  visuals.py     strips and animated GIFs
"""

from jaxgan.kinds.video_gan.experiment import VideoGANExperiment

KIND = VideoGANExperiment
