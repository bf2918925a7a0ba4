"""One package per model kind; each exposes `KIND` (see jaxgan/interface.py).

Only jaxgan.interface.find_kind imports these, by name: the core never imports a kind.
"""
