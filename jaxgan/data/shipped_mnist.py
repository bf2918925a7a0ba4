"""MNIST as shipped inside the package, exposed as a TFDS dataset.

The arrays in `shipped/mnist.npz` are the canonical 60,000/10,000 uint8 images and labels
(see README, "Data"). TFDS prepares them to array_record with `tfds.features.Tensor`
features, which needs no TensorFlow, and reads them back with `tfds.data_source`.
"""

import hashlib
import os
import sys

import numpy as np
import tensorflow_datasets as tfds

SHIPPED_FILE = os.path.join(os.path.dirname(__file__), "shipped", "mnist.npz")

# sha256 of each array's raw bytes; train_images equals the pixel block of the canonical
# `train-images-idx3-ubyte` (whose sha256 with its 16-byte header is ba891046...776db).
SHA256 = {
    "train_images": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "train_labels": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "test_images": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "test_labels": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}


def load_arrays(path: str = SHIPPED_FILE, verify: bool = True) -> dict[str, np.ndarray]:
  """Returns the shipped arrays, checking each against its recorded sha256."""
  with np.load(path) as npz:
    arrays = {name: npz[name] for name in SHA256}
  if verify:
    for name, expected in SHA256.items():
      if hashlib.sha256(arrays[name].tobytes()).hexdigest() != expected:
        raise ValueError(f"{path}: array {name!r} fails its sha256 check; reinstall jaxgan.")
  return arrays


class ShippedMnist(tfds.core.GeneratorBasedBuilder):
  """MNIST handwritten digits, 28x28x1 uint8, from the copy shipped with jaxgan."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Canonical 60k/10k MNIST shipped with jaxgan."}

  def _info(self) -> tfds.core.DatasetInfo:
    return self.dataset_info_from_configs(
        features=tfds.features.FeaturesDict({
            "image": tfds.features.Tensor(shape=(28, 28, 1), dtype=np.uint8),
            "label": tfds.features.Tensor(shape=(), dtype=np.int64),
        }),
        supervised_keys=("image", "label"),
        homepage="http://yann.lecun.com/exdb/mnist/",
        disable_shuffling=True,  # Keep the canonical order, so index i is MNIST example i.
    )

  # TFDS's own lines say "Downloading and preparing ... (download: Unknown size)": nothing is
  # downloaded here, so one line that says what happens replaces them.
  def _log_download_bytes(self) -> None:
    print(f"Preparing the MNIST shipped with jaxgan as array_record (once, nothing is "
          f"downloaded)...", file=sys.stderr)

  def _log_download_done(self) -> None:
    pass

  @classmethod
  def split_arrays(cls, split: str) -> dict[str, np.ndarray]:
    """The split as arrays straight from the shipped file: the same records as the prepared
    copy (tests/test_data.py checks), without decoding 60,000 of them."""
    if split not in ("train", "test"):
      raise ValueError(f"shipped_mnist has splits ['test', 'train'], not {split!r}")
    arrays = load_arrays()
    return {"image": arrays[f"{split}_images"][..., None],
            "label": arrays[f"{split}_labels"].astype(np.int32)}

  def _split_generators(self, dl_manager):
    del dl_manager  # Nothing is downloaded: the data ships with the package.
    arrays = load_arrays()
    return {
        "train": self._generate_examples(arrays["train_images"], arrays["train_labels"]),
        "test": self._generate_examples(arrays["test_images"], arrays["test_labels"]),
    }

  def _generate_examples(self, images, labels):
    for index, (image, label) in enumerate(zip(images, labels)):
      yield index, {"image": image[..., None], "label": np.int64(label)}
