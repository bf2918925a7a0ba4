"""pix2pix (Isola et al. 2017) on edges -> digit: the one-pixel contour around each MNIST digit
to the digit (jaxgan/data/mnist_tasks.py), a U-Net (32-128 wide, 5 levels on 28 -> 32 px)
and a 16x16-receptive-field PatchGAN conditioned on the edges, cross-entropy GAN + 100 L1.
Evaluated on 2,000 test records against the identity map (the edges themselves): L1, PSNR,
SSIM to the digit, fid[lenet-mnist] to the test digits, and label preservation.

  python -m jaxgan.main --config=experiments/pix2pix_mnist_edges.py --workdir=runs/p2p_edges
  python -m jaxgan.main --config=experiments/pix2pix_mnist_edges.py --workdir=runs/p2p_edges \
      --mode=eval
  python -m jaxgan.main --config=experiments/pix2pix_mnist_edges.py --workdir=runs/p2p_edges \
      --mode=sample --config.sample.input_dir=my_edges/   # outputs under the same names
"""

from jaxgan import configs


def get_config():
  c = configs.base("pix2pix")
  c.data.name = "mnist_edges2digit"
  c.data.image_shape = (28, 28, 1)
  c.batch_size = 16
  c.model.g_features = 32
  c.model.g_max_features = 128
  c.model.d_features = 32
  c.model.d_max_features = 128
  c.num_steps = 3_000
  c.log_every = 100
  c.sample_every = 500
  c.checkpoint_every = 500
  c.eval_every = 0
  c.eval.metrics = ("fid",)
  c.eval.num_samples = 2_000
  c.eval.batch_size = 250
  c.sample.num_images = 32
  return c
