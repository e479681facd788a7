"""A paper's full text as sections: from arXiv's HTML (html) or its TeX source (archive, tex), then the part
that fits the model's budget (select). Pure: bytes in, text out; the downloads are `edges.arxiv.fulltext`'s."""
