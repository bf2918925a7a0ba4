"""Converts pytorch-fid's Inception weights (.pth) to the .npz that jaxgan reads.

  pip install torch   # only for this command
  python -m jaxgan.tools.convert_inception pt_inception-2015-12-05-6726825d.pth inception_fid.npz
  python -m jaxgan.main ... --config.eval.feature_network=inception-v3 \
      --config.eval.inception_weights=inception_fid.npz

The .npz holds the state dict's arrays unchanged (PyTorch layout, state-dict names); the
loader (jaxgan/metrics/inception.py) checks every name and shape and transposes. The sha256 of
both files is printed so runs can record which weights made their numbers.
"""

import sys

import numpy as np

from jaxgan.metrics import inception


def convert(pth_path: str, npz_path: str) -> None:
  import torch  # pylint: disable=import-outside-toplevel  # Only this script needs torch.
  state = torch.load(pth_path, map_location="cpu", weights_only=True)
  arrays = {name: tensor.numpy() for name, tensor in state.items()
            if "num_batches_tracked" not in name}
  np.savez(npz_path, **arrays)
  inception.load_weights(npz_path)  # Fails with the first missing or mis-shaped array.
  digest = inception.file_sha256(pth_path)
  known = ("the pt_inception-2015-12-05 weights" if digest == inception.PT_INCEPTION_SHA256
           else f"NOT the pt_inception-2015-12-05 weights ({inception.PT_INCEPTION_SHA256}): "
                "numbers made with it are not the literature's FID")
  print(f"{pth_path}: sha256 {digest}, {known}")
  print(f"{npz_path}: sha256 {inception.file_sha256(npz_path)} ({len(arrays)} arrays)")


if __name__ == "__main__":
  if len(sys.argv) != 3:
    sys.exit("usage: python -m jaxgan.tools.convert_inception IN.pth OUT.npz")
  convert(sys.argv[1], sys.argv[2])
