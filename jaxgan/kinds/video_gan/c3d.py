"""A small 3-D CNN over Moving MNIST clips: the feature network `mmnist-c3d` of the video
metrics (jaxgan/kinds/video_gan/metrics.py), trained by `python -m jaxgan.kinds.video_gan.train_c3d`.

Clips [N, T, H, W, 1] in [-1, 1] with H = W = 32 or 64 (64 is 2x2-average-pooled to 32
first, so one network reads both Moving MNIST variants) and any T >= 4, read as ink in
[0, 1]. Three 3x3x3 convolutions (jaxgan/kinds/video_gan/conv3d.py; 32, 48, 64 channels; the first
strides space only, the others space and time) with ReLU; the global max and the global mean
over time and space, and the spatial mean of the first time slice (which sees only the first
frames), concatenated; a dense layer of FEATURE_DIM with ReLU: the features. Two
heads read them: which digit classes are present (10 independent logits) and which initial
headings the digits have (8 independent logits), so the features must carry both content
and motion, which is what a video distance should compare. (The max pool matters: with the
mean alone the net sat at the label prior for the first few hundred steps. The first slice
matters for the heading: most clips bounce off a wall within their 16 or 20 frames, and
global pools cannot tell motion before a bounce from motion after it.)
"""

import flax.linen as nn
import jax.numpy as jnp

from jaxgan.kinds.video_gan import conv3d

FEATURE_DIM = 128
NUM_DIGITS = 10
NUM_DIRECTIONS = 8


class C3D(nn.Module):
  """`C3D()(clips)` -> {"features" [N, 128], "digit_logits" [N, 10], "direction_logits" [N, 8]}."""
  widths: tuple = (32, 48, 64)
  conv_impl: str = "auto"

  @nn.compact
  def __call__(self, clips):
    h = (clips.astype(jnp.float32) + 1.0) / 2.0
    if h.shape[2] == 64:
      h = nn.avg_pool(h, (1, 2, 2), strides=(1, 2, 2))
    for index, width in enumerate(self.widths):
      strides = (1, 2, 2) if index == 0 else (2, 2, 2)
      h = nn.relu(conv3d.Conv3D(width, (3, 3, 3), strides, impl=self.conv_impl)(h))
    pooled = jnp.concatenate([jnp.max(h, axis=(1, 2, 3)), jnp.mean(h, axis=(1, 2, 3)),
                              jnp.mean(h[:, 0], axis=(1, 2))], -1)
    features = nn.relu(nn.Dense(FEATURE_DIM)(pooled))
    return {"features": features,
            "digit_logits": nn.Dense(NUM_DIGITS, name="digit_head")(features),
            "direction_logits": nn.Dense(NUM_DIRECTIONS, name="direction_head")(features)}
