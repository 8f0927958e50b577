"""Service level agreements as contracts: parties, term, renewal, amendments and reviews."""
