"""Course content: the catalogue loaded from content/, module and section pages, reference cards, search."""
