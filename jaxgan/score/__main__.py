"""python -m jaxgan.score A B [--metrics=fid,kid] [--feature_network=...]: one JSON line.

  python -m jaxgan.score samples/ shipped_mnist:test
  python -m jaxgan.score fakes.npy real_stats.npz --metrics=fid
  python -m jaxgan.score runs/mnist_default shipped_mnist:train --num_a=10000
  python -m jaxgan.score my_images/ shipped_mnist:train --save_stats=mnist_train.npz

A and B: a folder of images, an .npy / .npz (FILE.npz:KEY) array, DATASET:SPLIT, a statistics
.npz (--save_stats), or a jaxgan workdir. See docs/evaluation.md.
"""

import json
import sys

from absl import app
from absl import flags
from absl import logging

from jaxgan import xla_flags
from jaxgan.errors import UserError
from jaxgan.metrics import network_choice

_METRICS = flags.DEFINE_list("metrics", ["fid", "kid"], "Of fid, kid, is, pr, dc.")
_NETWORK = flags.DEFINE_enum(
    "feature_network", network_choice.AUTO,
    [network_choice.AUTO, "lenet-mnist", "inception-v3", "random-cnn"],
    "auto: lenet-mnist for MNIST-derived data, else inception-v3 with --inception_weights, "
    "else random-cnn (with a note).")
_INCEPTION = flags.DEFINE_string("inception_weights", "", "inception-v3 weights (.npz from "
                                 "jaxgan/metrics/convert_inception.py).")
_LENET = flags.DEFINE_string("lenet_weights", "", "lenet-mnist weights; '': the shipped ones.")
_SEED = flags.DEFINE_integer("random_seed", 0, "Seed of random-cnn.")
_NUM_A = flags.DEFINE_integer("num_a", 0, "Images of A (a workdir: samples drawn; 0: its "
                              "eval.num_samples; a dataset: a seeded subset; 0: all).")
_NUM_B = flags.DEFINE_integer("num_b", 0, "Images of B (as --num_a).")
_SIZE = flags.DEFINE_string("image_size", "", "HxW: resize folder images to it (bicubic); '': "
                            "all images must share one size.")
_CHANNELS = flags.DEFINE_integer("channels", 0, "1 or 3: convert folder images; 0: as stored.")
_BATCH = flags.DEFINE_integer("batch_size", 500, "Images per feature-network call.")
_KID_SUBSETS = flags.DEFINE_integer("kid_subsets", 100, "KID: subsets averaged...")
_KID_SIZE = flags.DEFINE_integer("kid_subset_size", 1000, "...of this many images each side.")
_RAW = flags.DEFINE_bool("raw", False, "A workdir: sample its raw generator, not the EMA one.")
_SAVE = flags.DEFINE_string("save_stats", "", "Write B's statistics here (.npz) for reuse.")
_DATA_DIR = flags.DEFINE_string("data_dir", "", "Where datasets live ('': $JAXGAN_DATA_DIR "
                                "or the default).")
_CACHE = flags.DEFINE_string("cache_dir", "", "Cached statistics and floors ('': <data "
                             "dir>/jaxgan_reference_stats).")
_FLOOR = flags.DEFINE_bool("floor", True, "Also print the dataset's floor (its test split "
                           "against its train split, same network and counts; cached).")


def main(argv):
  if len(argv) != 3:
    raise app.UsageError("usage: python -m jaxgan.score A B [flags]")
  xla_flags.set_defaults()
  logging.set_verbosity(logging.WARNING)  # Library INFO lines (backends, TFDS) off the console.
  from jaxgan.score import scoring  # After the flags: --help stays fast.
  try:
    results = scoring.score(
        argv[1], argv[2], _METRICS.value, _NETWORK.value, _INCEPTION.value, _LENET.value,
        _SEED.value, _NUM_A.value, _NUM_B.value, _SIZE.value, _CHANNELS.value, _BATCH.value,
        _KID_SUBSETS.value, _KID_SIZE.value, not _RAW.value, _SAVE.value, _DATA_DIR.value,
        _CACHE.value, _FLOOR.value, note=scoring.print_note)
  except UserError as error:
    print(f"jaxgan: error: {error}", file=sys.stderr)
    sys.exit(1)
  print(json.dumps(results))


if __name__ == "__main__":
  app.run(main)
