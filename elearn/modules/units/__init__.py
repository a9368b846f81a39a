"""Units: the organisation tree (district → centre → team) that people belong to."""
