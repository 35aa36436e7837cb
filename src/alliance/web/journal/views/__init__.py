"""The journal app's pages, one module per area; views stay thin."""
