"""Where measurements go: metrics.jsonl for scripts, TensorBoard events for people."""

import json
import os

import numpy as np


class MetricWriter:
  """Writes scalars to `metrics.jsonl` and TensorBoard, images to TensorBoard and PNG."""

  def __init__(self, workdir: str, enabled: bool = True):
    self._enabled = enabled
    self._workdir = workdir
    if enabled:
      from tensorboardX import SummaryWriter  # Imported here: only process 0 writes.
      os.makedirs(workdir, exist_ok=True)
      self._jsonl = open(os.path.join(workdir, "metrics.jsonl"), "a")
      self._tb = SummaryWriter(logdir=workdir, flush_secs=30)

  def scalars(self, step: int, values: dict[str, float]) -> None:
    if not self._enabled:
      return
    self._jsonl.write(json.dumps({"step": int(step), **{k: float(v) for k, v in values.items()}})
                      + "\n")
    self._jsonl.flush()
    for name, value in values.items():
      self._tb.add_scalar(name, float(value), global_step=int(step))

  def image(self, step: int, name: str, image_uint8: np.ndarray) -> None:
    if self._enabled:
      self._tb.add_image(name, image_uint8, global_step=int(step), dataformats="HWC")

  def flush(self) -> None:
    if self._enabled:
      self._jsonl.flush()
      self._tb.flush()

  def close(self) -> None:
    if self._enabled:
      self._jsonl.close()
      self._tb.close()
