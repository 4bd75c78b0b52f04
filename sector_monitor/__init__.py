"""sector-monitor: the command line and the build pipeline that ties the packages together."""

__version__ = "0.1.0"
