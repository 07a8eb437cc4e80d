"""Glossary review data lives in glossary/*.yaml for now; see b40news.glossary.store."""
