"""Search over the knowledge base's articles and the desk's resolved tickets, in Chinese,
English and both at once: index.py writes the index, query.py searches it (docs/search.md)."""
