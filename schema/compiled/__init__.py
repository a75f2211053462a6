"""Compiled plans for trusted query operations (issue 12, stage 2): ``plan``
compiles, ``runner`` runs, ``schema.execution`` chooses between a plan and
graphql-core."""
