"""Answer parsers: :mod:`.lamm` reproduces LAMM's parsers exactly; the other modules are the documented,
stricter parsers behind the honest metrics. No parser raises on any text."""
