"""What the image-to-image kinds (pix2pix, cyclegan) share; kinds do not import each other."""
