"""The pure core: models, services, ports and domain errors. No web framework, ORM or server here."""
