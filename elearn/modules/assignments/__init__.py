"""Assignments of a learning path or a module, with a due date, to people, units and cohorts."""
