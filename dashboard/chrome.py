"""The frame around every page: skip link, navigation, language switch, footer.

The frame is static in ``app.layout``; one server callback fills its texts in the URL's
language, and a clientside callback (``assets/clientside.js``) points the language links at
the current page and query string, including query strings the explorer rewrites in place.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, dcc, html

from core.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, valid_language
from dashboard.components import PAGE_SLUGS, THEME_SLUGS, page_href, page_titles
from dashboard.i18n import gettext_for

#: A store the explorer writes its query string to, so the language links follow it.
SEARCH_STORE = "url-search-sync"


def language_of_path(pathname: str | None) -> str:
    """The interface language given by the first segment of a path (French by default)."""
    first = (pathname or "/").strip("/").split("/")[0]
    return valid_language(first) or DEFAULT_LANGUAGE


#: Pages in the navigation bar, themes in a drop-down menu after the pressure index (the
#: public-funding page, on public spending, right after the survey's funding theme).
_SURVEY_THEMES = tuple(f"theme_{theme}" for theme in THEME_SLUGS)
THEME_PAGES = (*_SURVEY_THEMES[:1], "public_funding", *_SURVEY_THEMES[1:])
MAIN_PAGES = tuple(page for page in PAGE_SLUGS if page not in THEME_PAGES)


def _page_of_path(pathname: str | None) -> str | None:
    slug = "/".join((pathname or "/").strip("/").split("/")[1:])
    return next((page for page, s in PAGE_SLUGS.items() if s == slug), None)


def frame_layout() -> html.Div:
    """The static frame; ``dash.page_container`` holds the current page."""
    nav_items = [dbc.NavItem(dbc.NavLink(id=f"nav-{page}", href="#")) for page in MAIN_PAGES]
    themes = dbc.DropdownMenu(
        [dbc.DropdownMenuItem(id=f"nav-{page}", href="#") for page in THEME_PAGES],
        id="nav-themes",
        label="",
        nav=True,
        in_navbar=True,
    )
    nav_items.insert(MAIN_PAGES.index("index") + 1, themes)
    language_links = [
        html.A(
            lang.upper(),
            id=f"lang-{lang}",
            href=f"/{lang}",
            lang=lang,
            hrefLang=lang,
            title=LANGUAGE_NAMES[lang],
            className="lang-link",
        )
        for lang in LANGUAGES
    ]
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id=SEARCH_STORE),
            html.A(id="skip-link", href="#main", className="visually-hidden-focusable skip-link"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand(id="nav-brand", href="#", className="fw-semibold"),
                        dbc.NavbarToggler(id="nav-toggler", n_clicks=0),
                        dbc.Collapse(
                            dbc.Nav(nav_items, navbar=True, className="me-auto"),
                            id="nav-collapse",
                            is_open=False,
                            navbar=True,
                        ),
                        html.Nav(language_links, id="lang-switch", className="lang-switch"),
                    ],
                    fluid="lg",
                ),
                color="white",
                dark=False,
                className="border-bottom mb-4 site-nav",
                expand="xl",
            ),
            html.Main(dbc.Container(dash.page_container, fluid="lg"), id="main", tabIndex="-1"),
            html.Footer(dbc.Container(id="footer", fluid="lg"), className="site-footer mt-5 py-4"),
        ]
    )


def register_frame_callbacks(app: dash.Dash) -> None:
    """Texts of the frame in the URL's language; language links; mobile menu toggle."""
    nav_outputs = []
    for page in PAGE_SLUGS:
        nav_outputs += [
            Output(f"nav-{page}", "children"),
            Output(f"nav-{page}", "href"),
            Output(f"nav-{page}", "active"),
        ]

    @app.callback(
        Output("nav-brand", "children"),
        Output("nav-brand", "href"),
        Output("skip-link", "children"),
        Output("lang-switch", "aria-label"),
        Output("footer", "children"),
        *[Output(f"lang-{lang}", "className") for lang in LANGUAGES],
        *[Output(f"lang-{lang}", "aria-current") for lang in LANGUAGES],
        Output("nav-themes", "label"),
        Output("nav-themes", "toggleClassName"),
        *nav_outputs,
        Input("url", "pathname"),
    )
    def fill_frame(pathname: str | None) -> tuple:
        lang = language_of_path(pathname)
        current = _page_of_path(pathname)
        _ = gettext_for(lang)
        titles = page_titles(_)
        nav: list = []
        for page in PAGE_SLUGS:
            nav += [titles[page], page_href(lang, page), page == current]
        footer = html.P(
            [
                _("Brussels social sector monitor"),
                " · ",
                _(
                    "Public statistics are shown with their source; survey figures are estimates "
                    "with confidence intervals."
                ),
                " ",
                html.A(_("Methods & sources"), href=page_href(lang, "methods")),
                " · ",
                html.A(_("Data"), href=page_href(lang, "data")),
            ],
            className="small text-body-secondary mb-0",
        )
        return (
            _("Brussels social sector monitor"),
            page_href(lang, "home"),
            _("Skip to content"),
            _("Language"),
            footer,
            *["lang-link active" if code == lang else "lang-link" for code in LANGUAGES],
            *["true" if code == lang else "false" for code in LANGUAGES],
            _("Themes"),
            "active" if current in THEME_PAGES else "",
            *nav,
        )

    app.clientside_callback(
        ClientsideFunction(namespace="sectorMonitor", function_name="languageLinks"),
        *[Output(f"lang-{lang}", "href") for lang in LANGUAGES],
        Input("url", "pathname"),
        Input("url", "search"),
        Input(SEARCH_STORE, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="sectorMonitor", function_name="toggleMenu"),
        Output("nav-collapse", "is_open"),
        Input("nav-toggler", "n_clicks"),
        Input("url", "pathname"),
    )
