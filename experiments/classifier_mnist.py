"""The LeNet-style MNIST classifier (LeCun et al. 1998, "Gradient-based learning applied to
document recognition"), with the 32/64-channel 5x5 convolutions, max-pooling and dropout of
TensorFlow's "Deep MNIST" tutorial; Adam (Kingma & Ba 2015) at its default 1e-3. Reaches
>= 99.0% test accuracy; its trained weights ship as jaxgan/metrics/weights/lenet_mnist.msgpack.

  python -m jaxgan.main --config=experiments/classifier_mnist.py --workdir=runs/classifier_mnist
  python -m jaxgan.main --config=experiments/classifier_mnist.py --workdir=runs/classifier_mnist \
      --mode=eval
"""

from jaxgan import configs


def get_config():
  c = configs.base("classifier")    # Its own fields: jaxgan/kinds/classifier/config.py.
  c.batch_size = 128
  c.num_steps = 3_000               # 6.4 epochs of the 60k training images.
  c.log_every = 100
  c.checkpoint_every = 1_000
  c.sample_every = 1_000            # The classifier draws no samples.
  c.model.architecture = "lenet"
  c.model.num_classes = 10
  c.model.dropout_rate = 0.5
  c.optim.lr = 1e-3
  c.optim.b1 = 0.9                  # Adam's defaults, not the GAN's b1 = 0.5.
  c.optim.b2 = 0.999
  return c
