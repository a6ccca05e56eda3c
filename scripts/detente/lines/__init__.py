"""Line classification for the cleaner: features of a page's lines, the learned model, its training and its scorer."""
