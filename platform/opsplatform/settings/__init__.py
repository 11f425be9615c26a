"""Settings: ``base`` plus small components, selected by ``dev``, ``test`` or ``production``."""
