"""Which feature network scores a dataset when none is named (feature_network = "auto").

lenet-mnist is an MNIST digit classifier: its features mean something for MNIST and the
datasets made from MNIST digits, and nothing for other 28x28 grayscale images (clothing,
letters). So:

  an MNIST-derived dataset   lenet-mnist
  any other, with weights    inception-v3 (the literature's FID)
  any other, without         random-cnn, with a note: its numbers compare runs only
"""

from jaxgan.data import mnist_tasks
from jaxgan.data import moving_mnist

AUTO = "auto"
# The shipped MNIST and every dataset jaxgan builds from its digits.
MNIST_DERIVED = frozenset({"shipped_mnist", "mnist", "stacked_mnist", *mnist_tasks.SOURCES,
                           *moving_mnist.VARIANTS})
RANDOM_CNN_NOTE = ("feature network random-cnn (the data is not MNIST-derived and no "
                   "inception weights were given): its numbers compare runs with each other, "
                   "never with papers; give inception-v3 weights for the literature's FID")


def is_mnist_derived(dataset: str) -> bool:
  return dataset in MNIST_DERIVED


def choose(requested: str, datasets, inception_weights: str = "") -> tuple[str, str]:
  """(network name, a one-line note or ""): `requested` unless it is "auto"."""
  if requested != AUTO:
    return requested, ""
  if any(is_mnist_derived(name) for name in datasets if name):
    return "lenet-mnist", ""
  if inception_weights:
    return "inception-v3", ""
  return "random-cnn", RANDOM_CNN_NOTE
