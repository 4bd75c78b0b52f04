"""sector-monitor: the command line and the build pipeline that ties the packages together."""

from core.version import version

__version__ = version()
