"""The intake app's pages: the public pages, editing them, and the intake queue."""
