"""The VAE kind (Kingma & Welling 2014): MLP or conv encoder/decoder, Bernoulli, Gaussian or
discretised-logistic likelihoods, beta-VAE, test ELBO and IWAE NLL.

  kind.py   the kind's class
  config.py       its config fields and their checks
  likelihoods.py  how the decoder scores pixels
  step.py         VAEState and the pure step (the bounds themselves are jaxgan/kinds/vae/elbo.py)
"""

from jaxgan.kinds.vae.kind import VAEKind

KIND = VAEKind
