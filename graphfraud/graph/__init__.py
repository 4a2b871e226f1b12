"""Projection of the contract tables onto a weighted actor graph."""

from graphfraud.graph.projection import ActorGraph, Hub, ProjectionParams, project

__all__ = ["ActorGraph", "Hub", "ProjectionParams", "project"]
