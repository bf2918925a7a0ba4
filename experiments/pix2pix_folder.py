"""pix2pix on your own paired images: two folders whose files match by name (A/x.png is the
source of B/x.png), converted once by the image-folder command, then trained at the paper's
widths (U-Net 64-512, 70x70 PatchGAN at 256 px; both scale to the size you choose).

  python -m jaxgan.data.image_folder photos_a --paired_with=photos_b --name=my_pairs --size=64
  python -m jaxgan.main --config=experiments/pix2pix_folder.py --workdir=runs/my_pairs \
      --config.data.name=my_pairs --config.data.image_shape=(64,64,3)
  python -m jaxgan.main --config=experiments/pix2pix_folder.py --workdir=runs/my_pairs \
      --config.data.name=my_pairs --config.data.image_shape=(64,64,3) --mode=sample \
      --config.sample.input_dir=new_photos/    # writes their translations, same file names

Files without a partner, pairs of two sizes and empty folders stop the command with one line.
Metrics use the random-cnn feature network (fid[random-cnn] compares runs with each other);
pass --config.eval.feature_network=inception-v3 with its weights for the literature's FID.
"""

from jaxgan import configs


def get_config():
  c = configs.base("pix2pix")
  c.data.name = ""                  # Required: the --name given to the image-folder command.
  c.data.image_shape = (64, 64, 3)
  c.batch_size = 4                  # The paper: 1 (facades) to 4 (maps, 10 for larger sets).
  c.num_steps = 20_000
  c.log_every = 100
  c.sample_every = 1_000
  c.checkpoint_every = 1_000
  c.eval.feature_network = "random-cnn"
  c.eval.metrics = ("fid",)
  c.eval.num_samples = 1_000
  c.eval.batch_size = 100
  c.sample.num_images = 16
  return c
