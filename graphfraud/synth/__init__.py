"""Synthetic exports with planted rings, for tests, demos and benchmarks."""

from graphfraud.synth.generator import SynthConfig, generate

__all__ = ["SynthConfig", "generate"]
