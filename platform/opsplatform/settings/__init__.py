"""Settings package: ``base`` plus small components, selected by ``dev``, ``test`` or ``production``."""
