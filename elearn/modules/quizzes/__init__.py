"""Quizzes: question pools from content/quizzes/, attempts graded on the server, refreshers, item analysis."""
