"""The knowledge base: articles with versions, a review workflow, audiences, feedback and the links
between tickets and the articles that answered them (SPEC §6, seeds 001/002)."""
