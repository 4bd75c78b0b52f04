"""Reusable page parts: headers, notices, the synthetic-data banner, charts with text alternatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypedDict

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from core.i18n import DEFAULT_LANGUAGE, colon, valid_language
from dashboard.data import PublicData, current_data
from dashboard.i18n import gettext_for

#: Theme key (``public.indicators.theme``) -> URL slug of its theme page.
THEME_SLUGS: dict[str, str] = {
    "funding": "funding",
    "task_transfer": "task-transfer",
    "support": "support",
    "framework": "framework",
    "accessibility": "accessibility",
    "group_life": "group-life",
}

#: Page key -> URL slug after the language prefix (same slugs in every language), in
#: navigation order; theme pages are ``theme_<theme>``.
PAGE_SLUGS: dict[str, str] = {
    "home": "",
    "index": "index",
    **{f"theme_{theme}": f"themes/{slug}" for theme, slug in THEME_SLUGS.items()},
    "public_funding": "public-funding",
    "explorer": "explorer",
    "recommendations": "recommendations",
    "note": "note",
    "statistics": "statistics",
    "methods": "methods",
    "data": "data",
}

#: HTML attributes whose names are not Python identifiers, to unpack into a Dash component
#: (``html.Div(..., **HtmlAttributes({"aria-label": text}))``): Dash takes them through its
#: ``**kwargs`` wildcard props, so unlike a plain dict they cannot be mistaken for a typed prop.
HtmlAttributes = TypedDict(
    "HtmlAttributes",
    {"aria-label": str, "aria-live": str, "aria-sort": str, "data-tabs-for": str},
    total=False,
)


def page_href(lang: str, page: str, search: str = "", anchor: str = "") -> str:
    """The URL of ``page`` in ``lang``, e.g. ``/nl/explorer?tab=map``."""
    slug = PAGE_SLUGS[page]
    return f"/{lang}" + (f"/{slug}" if slug else "") + search + (f"#{anchor}" if anchor else "")


def page_titles(_: Callable[[str], str]) -> dict[str, str]:
    """Translated page names (navigation and browser titles)."""
    return {
        "home": _("Key figures"),
        "index": _("Pressure index"),
        "theme_funding": _("Funding & disinvestment"),
        "theme_task_transfer": _("Task transfer & dependence"),
        "theme_support": _("Volunteer support"),
        "theme_framework": _("Framework"),
        "theme_accessibility": _("Accessibility"),
        "theme_group_life": _("Group life"),
        "public_funding": _("Public funding"),
        "explorer": _("Explorer"),
        "recommendations": _("Recommendations"),
        "note": _("Advocacy note"),
        "statistics": _("Public statistics"),
        "methods": _("Methods & sources"),
        "data": _("Data"),
    }


def browser_title(page: str) -> Callable[..., str]:
    """A Dash-pages ``title`` function: '<page> · Sector monitor' in the URL's language."""

    def title(lang: str | None = None, **variables: str) -> str:
        _ = gettext_for(valid_language(lang) or DEFAULT_LANGUAGE)
        key = page
        if page == "theme":
            theme = next((t for t, s in THEME_SLUGS.items() if s == variables.get("theme")), None)
            key = f"theme_{theme}" if theme else "home"
        return page_titles(_)[key] + " · " + _("Brussels social sector monitor")

    return title


def page_header(title: str, lead: str | None = None) -> html.Div:
    """The page's single ``h1`` and an optional lead paragraph."""
    children: list = [html.H1(title, className="h2 mb-2")]
    if lead:
        children.append(html.P(lead, className="lead text-body-secondary mb-4"))
    return html.Div(children, className="page-header")


def not_available(lang: str, what: str | None = None) -> dbc.Alert:
    """Notice for data that is not in the warehouse (yet)."""
    _ = gettext_for(lang)
    text = _("This data is not available yet.")
    return dbc.Alert(
        [html.Strong(what + colon(lang)) if what else None, text],
        color="secondary",
        className="not-available",
    )


def synthetic_banner(lang: str) -> dbc.Alert:
    """The honesty banner shown wherever survey figures come from synthetic (demo or test) data."""
    _ = gettext_for(lang)
    return dbc.Alert(
        [
            html.Strong(_("Synthetic data.") + " "),
            _(
                "The survey figures on this page are computed from simulated responses, not from "
                "a real survey: do not quote them."
            ),
        ],
        color="warning",
        className="synthetic-banner",
        id="synthetic-banner",
    )


def source_line(lang: str, source: str, period: str | None, source_id: str | None) -> html.P:
    """'Source: <title>, <period>' with a link to the source's entry on the methods page."""
    _ = gettext_for(lang)
    parts: list = [_("Source") + colon(lang)]
    if source_id:
        parts.append(html.A(source, href=page_href(lang, "methods", anchor=f"source-{source_id}")))
    else:
        parts.append(source)
    if period:
        parts.append(" · " + _("Period") + colon(lang) + str(period))
    return html.P(parts, className="source small text-body-secondary mb-1")


def data_table(frame: pd.DataFrame, caption: str | None = None) -> dbc.Table:
    """A plain accessible HTML table of already formatted (string) cells."""
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in frame.columns]))
    body = html.Tbody([html.Tr([html.Td(v) for v in row]) for row in frame.itertuples(index=False)])
    children = ([html.Caption(caption)] if caption else []) + [head, body]
    return dbc.Table(
        children, striped=True, hover=True, size="sm", responsive=True, className="data-table mb-0"
    )


def chart_card(
    lang: str,
    *,
    title: str,
    chart: html.Div | None,
    summary: str,
    table: pd.DataFrame,
    sources: Sequence[html.P],
    notes: Sequence[str] = (),
    card_id: str | None = None,
) -> dbc.Card:
    """A chart with its text alternative: a one-sentence summary and the data table."""
    _ = gettext_for(lang)
    body: list = [html.H2(title, className="h5 card-title")]
    if chart is not None:
        body.append(chart)
    body.append(html.P(summary, className="summary mt-2"))
    body.append(html.Details([html.Summary(_("Data table")), data_table(table)], className="mb-2"))
    body.extend(sources)
    body.extend(html.P(n, className="note small fst-italic mb-1") for n in notes if n)
    extra = {"id": card_id} if card_id else {}
    return dbc.Card(dbc.CardBody(body), className="mb-4 shadow-sm", **extra)


def not_found() -> html.Div:
    """The page for a path that is not a page of the dashboard (in the three languages)."""
    return html.Div(
        [
            html.H1("Page introuvable · Pagina niet gevonden · Page not found", className="h3"),
            html.P(
                [
                    html.A("Accueil", href="/fr", lang="fr"),
                    " · ",
                    html.A("Startpagina", href="/nl", lang="nl"),
                    " · ",
                    html.A("Home", href="/en", lang="en"),
                ]
            ),
        ]
    )


def cached_page(name: str, lang: str | None, build: Callable[[PublicData, str], html.Div]) -> html.Div:
    """A page layout built once per language and warehouse version (404 for a bad language)."""
    code = valid_language(lang)
    if code is None:
        return not_found()
    data = current_data()
    return data.memo((name, code), lambda: build(data, code))
