"""Flows: the hotline menu as data (``flows/*.yaml``), validated on load."""

from ivr.flow.loader import FlowError, Problem, from_dict, load_flow, parse_flow
from ivr.flow.model import Flow, Node, Option, RouteSpec

__all__ = ["Flow", "FlowError", "Node", "Option", "Problem", "RouteSpec", "from_dict", "load_flow", "parse_flow"]
