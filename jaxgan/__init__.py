"""jaxgan: generative image models in JAX."""
