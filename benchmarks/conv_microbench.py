"""Times the DCGAN convolution layers: forward, input gradient, weight gradient, all three.

    python benchmarks/conv_microbench.py                    # every layer, impl xla vs fast
    python benchmarks/conv_microbench.py --only cifar --reps 20
    python benchmarks/conv_microbench.py --impls torch fast --stat min   # needs '.[bench]'

Each cell is the median (or --stat min) wall time in ms of a jitted call (block_until_ready), after one
warm-up call, for batch --batch (64). 'dx' and 'dw' time the VJP of one cotangent w.r.t.
one argument (XLA drops the unused half); 'all' is forward plus both gradients in one jit.
Impl 'torch' times the same layer in PyTorch, where dx, dw and all include the forward.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from jaxgan import xla_flags  # noqa: E402

xla_flags.set_defaults()  # As python -m jaxgan.main does, before JAX starts its backend.

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

from jaxgan.ops import conv as conv_ops  # noqa: E402

# (name, kind, input HWC, out features, kernel, stride, padding); 'c' conv, 't' transposed.
LAYERS = [
    ("mnist.D.conv1", "c", (28, 28, 1), 64, 4, 2, ((1, 1), (1, 1))),
    ("mnist.D.conv2", "c", (14, 14, 64), 128, 4, 2, ((1, 1), (1, 1))),
    ("mnist.G.convT1", "t", (7, 7, 128), 64, 4, 2, ((2, 2), (2, 2))),
    ("mnist.G.convT2", "t", (14, 14, 64), 1, 4, 2, ((2, 2), (2, 2))),
    ("cifar.D.conv1", "c", (32, 32, 3), 64, 3, 1, ((1, 1), (1, 1))),
    ("cifar.D.conv2", "c", (32, 32, 64), 64, 4, 2, ((1, 1), (1, 1))),
    ("cifar.D.conv3", "c", (16, 16, 64), 128, 3, 1, ((1, 1), (1, 1))),
    ("cifar.D.conv4", "c", (16, 16, 128), 128, 4, 2, ((1, 1), (1, 1))),
    ("cifar.D.conv5", "c", (8, 8, 128), 256, 3, 1, ((1, 1), (1, 1))),
    ("cifar.D.conv6", "c", (8, 8, 256), 256, 4, 2, ((1, 1), (1, 1))),
    ("cifar.D.conv7", "c", (4, 4, 256), 512, 3, 1, ((1, 1), (1, 1))),
    ("cifar.G.convT1", "t", (4, 4, 512), 256, 4, 2, ((2, 2), (2, 2))),
    ("cifar.G.convT2", "t", (8, 8, 256), 128, 4, 2, ((2, 2), (2, 2))),
    ("cifar.G.convT3", "t", (16, 16, 128), 64, 4, 2, ((2, 2), (2, 2))),
    ("cifar.G.conv4", "c", (32, 32, 64), 3, 3, 1, ((1, 1), (1, 1))),
]


STAT = statistics.median


def time_ms(fn, *args, reps: int) -> float:
  jax.block_until_ready(fn(*args))
  ts = []
  for _ in range(reps):
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    ts.append(time.perf_counter() - t0)
  return 1e3 * STAT(ts)


def bench_layer_torch(layer, batch: int, reps: int) -> dict[str, float]:
  """The same layer in PyTorch (NCHW, torch.autograd.grad); 'torch' in --impls."""
  import torch  # pylint: disable=g-import-not-at-top  (only for this column)
  import torch.nn.functional as F  # pylint: disable=g-import-not-at-top
  _, kind, (h, w_, c), feat, k, s, _ = layer
  torch.set_num_threads(os.cpu_count())
  x = torch.randn(batch, c, h, w_, requires_grad=True)
  # PyTorch's padding 1 is the DCGAN layers' ((1, 1), (1, 1)) conv / ((2, 2), (2, 2)) ConvT.
  if kind == "c":
    w = (0.05 * torch.randn(feat, c, k, k)).requires_grad_()
    f = lambda: F.conv2d(x, w, stride=s, padding=1)  # noqa: E731
  else:
    w = (0.05 * torch.randn(c, feat, k, k)).requires_grad_()
    f = lambda: F.conv_transpose2d(x, w, stride=s, padding=1)  # noqa: E731
  g = torch.randn_like(f())

  def run(wrt):
    def call():
      if not wrt:
        with torch.no_grad():
          return f()
      return torch.autograd.grad(f(), wrt, g)
    call()
    ts = []
    for _ in range(reps):
      t0 = time.perf_counter()
      call()
      ts.append(time.perf_counter() - t0)
    return 1e3 * STAT(ts)

  # dx, dw and all include the forward pass PyTorch's autograd needs to record.
  return {"fwd": run(()), "dx": run((x,)), "dw": run((w,)), "all": run((x, w))}


def bench_layer(layer, impl: str, batch: int, reps: int) -> dict[str, float]:
  if impl == "torch":
    return bench_layer_torch(layer, batch, reps)
  _, kind, hwc, feat, k, s, pad = layer
  op = conv_ops.conv2d if kind == "c" else conv_ops.conv_transpose2d
  kx, kw, kg = jax.random.split(jax.random.key(0), 3)
  x = jax.random.normal(kx, (batch, *hwc), jnp.float32)
  w = 0.05 * jax.random.normal(kw, (k, k, hwc[-1], feat), jnp.float32)
  f = lambda x, w: op(x, w, (s, s), pad, impl)  # noqa: E731
  g = jax.random.normal(kg, jax.eval_shape(f, x, w).shape, jnp.float32)
  fwd = jax.jit(f)
  dx = jax.jit(lambda x, w, g: jax.vjp(lambda x: f(x, w), x)[1](g)[0])
  dw = jax.jit(lambda x, w, g: jax.vjp(lambda w: f(x, w), w)[1](g)[0])
  both = jax.jit(lambda x, w, g: jax.grad(lambda x, w: jnp.vdot(f(x, w), g), (0, 1))(x, w))
  return {
      "fwd": time_ms(fwd, x, w, reps=reps),
      "dx": time_ms(dx, x, w, g, reps=reps),
      "dw": time_ms(dw, x, w, g, reps=reps),
      "all": time_ms(both, x, w, g, reps=reps),
  }


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--batch", type=int, default=64)
  p.add_argument("--reps", type=int, default=10)
  p.add_argument("--only", default="", help="substring filter on layer names")
  p.add_argument("--stat", choices=["median", "min"], default="median",
                 help="min is steadier when other processes share the CPU")
  p.add_argument("--impls", nargs="+", default=["xla", "fast"])
  args = p.parse_args(argv)
  global STAT
  STAT = min if args.stat == "min" else statistics.median
  layers = [l for l in LAYERS if args.only in l[0]]
  print(f"# backend={jax.default_backend()} devices={jax.device_count()} "
        f"cpus={os.cpu_count()} batch={args.batch} reps={args.reps} ({args.stat} ms)")

  cols = ["fwd", "dx", "dw", "all"]
  head = " ".join(f"{i + ':' + c:>10s}" for i in args.impls for c in cols)
  print(f"{'layer':16s} {head} {'speedup(all)':>13s}")
  totals = {i: dict.fromkeys(cols, 0.0) for i in args.impls}
  for layer in layers:
    res = {i: bench_layer(layer, i, args.batch, args.reps) for i in args.impls}
    for i in args.impls:
      for c in cols:
        totals[i][c] += res[i][c]
    sp = res[args.impls[0]]["all"] / res[args.impls[-1]]["all"]
    cells = " ".join(f"{res[i][c]:10.1f}" for i in args.impls for c in cols)
    print(f"{layer[0]:16s} {cells} {sp:12.2f}x", flush=True)
  sp = totals[args.impls[0]]["all"] / totals[args.impls[-1]]["all"]
  cells = " ".join(f"{totals[i][c]:10.1f}" for i in args.impls for c in cols)
  print(f"{'TOTAL':16s} {cells} {sp:12.2f}x")


if __name__ == "__main__":
  main()
