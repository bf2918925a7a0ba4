"""Inpainting as a pix2pix task, in the context-encoder setting (Pathak et al. 2016): MNIST
digits with a grey 14x14 centre hole (jaxgan/data/mnist_tasks.py, mask kinds: centre, boxes,
strokes), the U-Net fills it, the known pixels are pasted back, and the reconstruction loss
is the context encoder's: L2 over the hole and a 4-pixel band of context weighted 10x, at
their 0.999 : 0.001 balance against the adversarial term (loss.weight 999).
Evaluated on 2,000 test records against the masked input: L1, PSNR, SSIM to the digit,
fid[lenet-mnist] to the test digits, and label preservation.

  python -m jaxgan.main --config=experiments/pix2pix_mnist_inpaint.py --workdir=runs/p2p_inpaint
  python -m jaxgan.main --config=experiments/pix2pix_mnist_inpaint.py --workdir=runs/p2p_strokes \
      --config.data.name=mnist_inpaint_strokes
"""

from experiments import pix2pix_mnist_edges  # pylint: disable=g-bad-import-order


def get_config():
  c = pix2pix_mnist_edges.get_config()
  c.data.name = "mnist_inpaint_centre"
  c.loss.reconstruction = "hole"
  c.loss.weight = 999.0
  c.loss.paste_context = True
  return c
