"""CycleGAN (Zhu et al. 2017) between grey MNIST digits (domain A, the first half of each
split, as RGB) and coloured ones (domain B, the other half, each tinted one random hue):
unpaired by construction (jaxgan/data/mnist_tasks.py). ResNet generators (16 wide, 2
downsamplings, 6 blocks), 16x16 PatchGANs, least squares, cycle λ = 10, identity 0.5 λ,
history pools of 50. Evaluated per direction on 2,000 test images against the identity map:
fid[lenet-mnist] to the target domain, label preservation (the classifier reads the brightest
channel), and the cycle error |F(G(x)) - x|_1.

  python -m jaxgan.main --config=experiments/cyclegan_mnist_colour.py --workdir=runs/cg_colour
  python -m jaxgan.main --config=experiments/cyclegan_mnist_colour.py --workdir=runs/cg_colour \
      --mode=eval
"""

from jaxgan import configs


def get_config():
  c = configs.base("cyclegan")
  c.data.name = "mnist_grey3"
  c.data.image_shape = (28, 28, 3)
  c.domain_b.name = "mnist_colour"
  c.batch_size = 8
  c.model.g_features = 16
  c.model.d_features = 32
  c.model.d_max_features = 128
  c.num_steps = 2_000
  c.log_every = 100
  c.sample_every = 500
  c.checkpoint_every = 500
  c.eval_every = 0
  c.eval.metrics = ("fid",)
  c.eval.num_samples = 2_000
  c.eval.batch_size = 250
  c.sample.num_images = 32
  return c
