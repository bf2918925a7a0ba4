"""The two DCGAN configs in PyTorch, for a side-by-side steps/s comparison with jaxgan.

    python benchmarks/torch_dcgan.py --config dcgan_mnist --batch 64
    python benchmarks/torch_dcgan.py --config dcgan_cifar10 --threads 2

Prints one JSON line. One step is what jaxgan's GAN step does (jaxgan/kinds/gan/step.py, n_dis=1):
G(z) once; one D update on real + fake (non-saturating loss, BCE-with-logits; D sees the real
and the fake batch in two forward passes, so its BatchNorm normalises each separately); one
G update through the updated D on the same fake batch; an EMA (0.999) of G's weights. Adam
(lr 2e-4, betas (0.5, 0.999)) for both networks. Timing: 5 warm-up steps, then the median of
5 repeats of 20 steps -- the protocol of `python -m jaxgan.main --mode=bench`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class _Reshape(nn.Module):

  def __init__(self, *shape):
    super().__init__()
    self.shape = shape

  def forward(self, x):
    return x.reshape(x.shape[0], *self.shape)


def mnist_generator(latent_dim: int = 64, width: int = 128, out_channels: int = 1) -> nn.Module:
  # z -> Linear 7*7*width -> BN, ReLU -> ConvT width/2 (k4 s2 p1) -> BN, ReLU -> ConvT 1 -> tanh
  # (jaxgan's model.g_channels is `width`; 0 there means 128).
  return nn.Sequential(
      nn.Linear(latent_dim, 7 * 7 * width), _Reshape(width, 7, 7),
      nn.BatchNorm2d(width), nn.ReLU(),
      nn.ConvTranspose2d(width, width // 2, 4, 2, 1), nn.BatchNorm2d(width // 2), nn.ReLU(),
      nn.ConvTranspose2d(width // 2, out_channels, 4, 2, 1), nn.Tanh())


def mnist_discriminator(width: int = 64, batch_norm: bool = True,
                        in_channels: int = 1) -> nn.Module:
  # Conv width (k4 s2 p1) -> LReLU 0.2 -> Conv 2*width -> BN (unless batch_norm=False, as
  # jaxgan's model.d_batch_norm) -> LReLU 0.2 -> Linear 1 (model.d_channels is `width`).
  return nn.Sequential(
      nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2),
      nn.Conv2d(width, 2 * width, 4, 2, 1),
      nn.BatchNorm2d(2 * width) if batch_norm else nn.Identity(), nn.LeakyReLU(0.2),
      nn.Flatten(), nn.Linear(7 * 7 * 2 * width, 1))


def cifar_generator(latent_dim: int = 128) -> nn.Module:
  # z -> Linear 4*4*512 -> BN, ReLU -> 3x [ConvT (k4 s2 p1) -> BN, ReLU] -> Conv 3 (k3 p1) -> tanh.
  layers = [nn.Linear(latent_dim, 4 * 4 * 512), _Reshape(512, 4, 4),
            nn.BatchNorm2d(512), nn.ReLU()]
  for cin, cout in ((512, 256), (256, 128), (128, 64)):
    layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU()]
  layers += [nn.Conv2d(64, 3, 3, 1, 1), nn.Tanh()]
  return nn.Sequential(*layers)


def cifar_discriminator() -> nn.Module:
  # 3x3 and 4x4/2 convolutions alternating (all padding 1), each -> LReLU 0.1; Linear 1.
  layers, cin = [], 3
  for cout, k, s in ((64, 3, 1), (64, 4, 2), (128, 3, 1), (128, 4, 2), (256, 3, 1),
                     (256, 4, 2), (512, 3, 1)):
    layers += [nn.Conv2d(cin, cout, k, s, 1), nn.LeakyReLU(0.1)]
    cin = cout
  layers += [nn.Flatten(), nn.Linear(4 * 4 * 512, 1)]
  return nn.Sequential(*layers)


CONFIGS = {
    # name: (generator, discriminator, latent_dim, image shape CHW)
    "dcgan_mnist": (mnist_generator, mnist_discriminator, 64, (1, 28, 28)),
    "dcgan_cifar10": (cifar_generator, cifar_discriminator, 128, (3, 32, 32)),
}


def make_torch_step(name: str, batch_size: int = 64, seed: int = 0, ema_decay: float = 0.999,
                    device: str = "cpu", autocast_dtype=None, compile_models: bool = False):
  """A zero-argument callable running one full training step of config `name`.

  `device` "cuda" puts everything on the GPU (the step then returns before the GPU is done:
  time it with a `torch.cuda.synchronize()` after the last step); `autocast_dtype`
  (torch.bfloat16) runs the networks under autocast, parameters and Adam staying float32,
  as jaxgan's model.dtype=bfloat16 does; `compile_models` wraps G and D in torch.compile.
  """
  if name not in CONFIGS:
    raise ValueError(f"unknown config {name!r}; choose from {sorted(CONFIGS)}")
  make_g, make_d, latent_dim, image_shape = CONFIGS[name]
  torch.manual_seed(seed)
  g, d = make_g(latent_dim).to(device), make_d().to(device)
  g.train()
  d.train()
  g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
  d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
  ema = [p.detach().clone() for p in g.parameters()]
  real = torch.rand(batch_size, *image_shape, device=device) * 2 - 1
  ones = torch.ones(batch_size, device=device)
  zeros = torch.zeros(batch_size, device=device)
  g_call, d_call = (torch.compile(g), torch.compile(d)) if compile_models else (g, d)
  if autocast_dtype is None:
    autocast = contextlib.nullcontext
  else:
    autocast = lambda: torch.autocast(device_type=torch.device(device).type,
                                      dtype=autocast_dtype)

  def step():
    z = torch.randn(batch_size, latent_dim, device=device)
    with autocast():
      fake = g_call(z)
      # D update: non-saturating loss = BCE(D(x), 1) + BCE(D(G(z)), 0).
      d_loss = (F.binary_cross_entropy_with_logits(d_call(real)[:, 0].float(), ones) +
                F.binary_cross_entropy_with_logits(d_call(fake.detach())[:, 0].float(), zeros))
    d_opt.zero_grad(set_to_none=True)
    d_loss.backward()
    d_opt.step()
    # G update through the updated D, on the same fake batch: BCE(D(G(z)), 1).
    with autocast():
      g_loss = F.binary_cross_entropy_with_logits(d_call(fake)[:, 0].float(), ones)
    g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    g_opt.step()
    with torch.no_grad():
      torch._foreach_lerp_(ema, [p.detach() for p in g.parameters()], 1.0 - ema_decay)
    return d_loss, g_loss

  return step


def steps_per_second(step, warmup_steps: int = 5, steps_per_repeat: int = 20,
                     repeats: int = 5) -> tuple[float, list[float]]:
  """Median steps/s over `repeats` timings of `steps_per_repeat` steps, and all the rates."""
  for _ in range(warmup_steps):
    step()
  rates = []
  for _ in range(repeats):
    start = time.perf_counter()
    for _ in range(steps_per_repeat):
      step()
    rates.append(steps_per_repeat / (time.perf_counter() - start))
  return statistics.median(rates), rates


def main(argv=None):
  p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  p.add_argument("--config", default="dcgan_mnist", choices=sorted(CONFIGS))
  p.add_argument("--batch", type=int, default=64)
  p.add_argument("--threads", type=int, default=os.cpu_count())
  p.add_argument("--steps-per-repeat", type=int, default=20)
  p.add_argument("--repeats", type=int, default=5)
  p.add_argument("--warmup", type=int, default=5)
  args = p.parse_args(argv)
  torch.set_num_threads(args.threads)
  step = make_torch_step(args.config, args.batch)
  rate, rates = steps_per_second(step, args.warmup, args.steps_per_repeat, args.repeats)
  print(json.dumps({
      "framework": "torch", "torch": torch.__version__, "config": args.config,
      "batch_size": args.batch, "threads": torch.get_num_threads(),
      "steps_per_second": round(rate, 3), "images_per_second": round(rate * args.batch, 1),
      "rates": [round(r, 3) for r in rates], "machine": platform.processor() or platform.machine(),
      "cpus": os.cpu_count(),
  }))


if __name__ == "__main__":
  main()
