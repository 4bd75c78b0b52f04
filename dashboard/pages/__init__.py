"""Dash pages of the dashboard (one module per page, registered by ``dash.register_page``)."""
