"""Runs: a run folder's layout and state, its model card, runs installed as packages
(and building them), and logging runs to MLflow."""
