"""The version store: where versions live, the build lock, reading versions back and diffing them."""
