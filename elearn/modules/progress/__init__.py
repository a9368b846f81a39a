"""Learners' progress through course modules: started, sections read, completed, per major version."""
