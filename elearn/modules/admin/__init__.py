"""Administration: users, units, roster import, and the coordinator's view of their people."""
