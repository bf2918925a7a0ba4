"""Flax modules that two or more kinds build on: layers, norms, padding, conditioning, heads, the
DCGAN networks and the classifier. The GAN's architecture registry is jaxgan/kinds/gan/architectures.py."""
