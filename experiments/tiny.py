"""A seconds-long DCGAN-MNIST run for the tests and for smoke-testing a new machine.

  python -m jaxgan.main --config=experiments/tiny.py --workdir=/tmp/jaxgan_tiny
"""

from experiments import dcgan_mnist  # pylint: disable=g-bad-import-order


def get_config():
  c = dcgan_mnist.get_config()
  c.batch_size = 8
  c.num_steps = 6
  c.log_every = 2
  c.checkpoint_every = 3
  c.sample_every = 3
  c.sample.num_images = 16
  c.sample.grid_rows = 4
  return c
