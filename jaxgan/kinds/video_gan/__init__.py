"""The video GAN kind (issue 14): MoCoGAN-style sequence GAN on Moving MNIST."""
