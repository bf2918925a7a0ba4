"""Mode collapse on a 5x5 grid of Gaussians (VEEGAN; PacGAN): 25 modes at {-4,...,4}^2, std 0.05.

Scored like gan_ring8 (modes covered of 25, high-quality fraction of 2,500 points); the plot
is samples/grid_STEP.png.

  python -m jaxgan.main --config=experiments/gan_grid25.py --workdir=runs/grid25_ns
  python -m jaxgan.main --config=experiments/gan_grid25.py --workdir=runs/grid25_minimax \
      --config.loss.name=minimax
"""

from experiments import gan_ring8  # pylint: disable=g-bad-import-order


def get_config():
  c = gan_ring8.get_config()
  c.data.name = "grid25"
  return c
