"""The digest as users keep it: Markdown (render), its HTML twin (html), reading it back (parser), and email and
chat messages made from it (message)."""
