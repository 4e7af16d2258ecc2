"""gmassist: a keyboard-driven terminal workstation for the assistant to a general manager (总经理助理)."""

__version__ = "0.1.0"
