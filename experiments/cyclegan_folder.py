"""CycleGAN on your own two unpaired folders (e.g. horses and zebras): each converted once by
the image-folder command into its own dataset, then trained at the paper's widths (ResNet
generator 64 wide, 6 blocks below 256 px, 9 from 256; 70x70 PatchGANs at 256 px).

  python -m jaxgan.data.image_folder horses/ --name=horses --size=64
  python -m jaxgan.data.image_folder zebras/ --name=zebras --size=64
  python -m jaxgan.main --config=experiments/cyclegan_folder.py --workdir=runs/h2z \
      --config.data.name=horses --config.domain_b.name=zebras \
      --config.data.image_shape=(64,64,3)
  python -m jaxgan.main --config=experiments/cyclegan_folder.py --workdir=runs/h2z \
      --config.data.name=horses --config.domain_b.name=zebras \
      --config.data.image_shape=(64,64,3) --mode=sample \
      --config.sample.input_dir=more_horses/ --config.sample.direction=a2b

An empty folder stops the command with one line. Metrics use random-cnn features.
"""

from jaxgan import configs


def get_config():
  c = configs.base("cyclegan")
  c.data.name = ""                  # Required: domain A's dataset (image-folder --name).
  c.domain_b.name = ""              # Required: domain B's.
  c.data.image_shape = (64, 64, 3)
  c.batch_size = 1                  # The paper's.
  c.num_steps = 100_000
  c.log_every = 100
  c.sample_every = 1_000
  c.checkpoint_every = 1_000
  c.eval.feature_network = "random-cnn"
  c.eval.metrics = ("fid",)
  c.eval.num_samples = 1_000
  c.eval.batch_size = 100
  c.sample.num_images = 16
  return c
