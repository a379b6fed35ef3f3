"""voiceguide: a hands-free exercise routine player steered by voice."""

__version__ = "0.1.0"
