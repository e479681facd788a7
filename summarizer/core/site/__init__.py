"""The reading side: the static site's pages, data and feed as text (pure), and its front-end assets."""
