"""Warnings for a run that is going wrong but not (yet) NaN, from the metrics it logs.

Host-side and cheap: it sees only the values already fetched for metrics.jsonl. Two signs:
- a loss (any metric whose name contains "loss") beyond LOSS_LIMIT, or LOSS_FACTOR times the
  median magnitude of its first BASELINE_LOGS logged values (at least 1);
- a gradient norm (a name containing "grad_norm") exactly 0 for ZERO_GRAD_LOGS logs in a row:
  that network no longer learns (a saturated discriminator, e.g. Adam at a huge rate).
Each sign is reported once per metric, as one line naming the step.
"""

import math
import statistics

LOSS_LIMIT = 1e6
LOSS_FACTOR = 1e4
BASELINE_LOGS = 5
ZERO_GRAD_LOGS = 3


class DivergenceMonitor:
  """Feed it every logged (step, metrics); it returns the warning lines to print."""

  def __init__(self):
    self._early: dict[str, list[float]] = {}
    self._zero_since: dict[str, tuple[int, int]] = {}  # name -> (first step, logs in a row)
    self._warned: set[tuple[str, str]] = set()

  def _once(self, name: str, sign: str, line: str, out: list[str]) -> None:
    if (name, sign) not in self._warned:
      self._warned.add((name, sign))
      out.append(line)

  def observe(self, step: int, metrics: dict[str, float]) -> list[str]:
    out = []
    for name, value in sorted(metrics.items()):
      if not math.isfinite(value):
        continue  # NaN/Inf stops the run elsewhere (train.first_non_finite).
      if "loss" in name:
        self._check_loss(step, name, value, out)
      elif "grad_norm" in name:
        self._check_gradient(step, name, value, out)
    return out

  def _check_loss(self, step: int, name: str, value: float, out: list[str]) -> None:
    early = self._early.setdefault(name, [])
    if len(early) < BASELINE_LOGS:
      early.append(abs(value))
    baseline = max(statistics.median(early), 1.0)
    if abs(value) > LOSS_LIMIT:
      why = f"beyond {LOSS_LIMIT:.0e}"
    elif len(early) == BASELINE_LOGS and abs(value) > LOSS_FACTOR * baseline:
      why = f"over {LOSS_FACTOR:.0e} x its early magnitude {baseline:.3g}"
    else:
      return
    self._once(name, "loss", (
        f"step {step}: {name}={value:.3g}, {why}: the run is diverging; lower the learning "
        f"rates (config.optim.*lr) or add a penalty, and resume from an earlier checkpoint"),
        out)

  def _check_gradient(self, step: int, name: str, value: float, out: list[str]) -> None:
    if value != 0.0:
      self._zero_since.pop(name, None)
      return
    first, count = self._zero_since.get(name, (step, 0))
    self._zero_since[name] = (first, count + 1)
    if count + 1 >= ZERO_GRAD_LOGS:
      self._once(name, "zero", (
          f"step {step}: {name} has been exactly 0 for {count + 1} logs (since step {first}): "
          f"that network has stopped learning (saturated?); lower the learning rates "
          f"(config.optim.*lr)"), out)
