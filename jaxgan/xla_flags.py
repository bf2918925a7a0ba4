"""XLA options jaxgan's entry points set before JAX starts its backend.

On CPU, XLA 0.10 hands convolutions and their neighbours to YNNPACK fusions by default; on the
DCGAN steps here that is slower than XLA's own (Eigen) kernels (figures and command:
docs/performance.md), so it is turned off. The flag only concerns the CPU backend. A flag already in XLA_FLAGS wins, so
`XLA_FLAGS=--xla_cpu_experimental_ynn_fusion_type=... python -m jaxgan.main ...` restores it.
"""

import os

CPU_DEFAULTS = ("--xla_cpu_experimental_ynn_fusion_type=",)


def set_defaults() -> None:
  """Adds CPU_DEFAULTS to XLA_FLAGS, except those the user already set. Call it before the
  first JAX computation (the backend reads XLA_FLAGS once, when it starts)."""
  current = os.environ.get("XLA_FLAGS", "")
  names = {flag.split("=")[0] for flag in current.split()}
  added = [flag for flag in CPU_DEFAULTS if flag.split("=")[0] not in names]
  os.environ["XLA_FLAGS"] = " ".join([current, *added]).strip()
