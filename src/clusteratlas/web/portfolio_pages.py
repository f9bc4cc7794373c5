"""The dashboard's page of the region against its peers (``/portfolio``): the peer regions, the
portfolio of industries over time with traded and strong clusters, and the strength/opportunity
quadrant chart — for the roles with the region's firm rights (the figures are sums of firms)."""

from __future__ import annotations

from html import escape

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from clusteratlas.faces import reason, translator
from clusteratlas.faces.numbers import pct
from clusteratlas.policy.access import User


def mount_portfolio_page(app: FastAPI, store_dep, user_dep, service_dep, simple, lang_of) -> None:
    from clusteratlas.report import figures, tables
    from clusteratlas.report.html_tables import html_table
    from clusteratlas.study.diagnosis import NotComputable

    @app.get("/portfolio", response_class=HTMLResponse, include_in_schema=False)
    def portfolio_page(request: Request, peers: list[str] = Query([], max_length=10),
                       park: str | None = Query(None, max_length=64), park_peers: list[str] = Query([], max_length=10),
                       u: User = Depends(user_dep), s=Depends(store_dep), svc=Depends(service_dep)):
        lang = lang_of(request)
        _ = translator(lang)
        heading = _("Against the peers")
        picked = tuple(p[:12] for p in peers) or None
        try:
            d = svc.diagnosis(s).for_viewer(u)
            view = d.portfolio(peers=picked)
        except (ValueError, KeyError) as e:  # NotComputable included: said in the page's language
            said = reason(e, lang) if isinstance(e, NotComputable) else _("These regions cannot be compared: {why}",
                                                                                why=str(e).strip("'\""))
            return simple(request, u, heading, f"<p class='not-computable'>{escape(said)}</p>")
        regions = d.study.tables["regions"]
        names = dict(zip(regions["region_id"].astype(str), regions["name"]))
        choose, show = _("Choose up to 10 peer regions (none: the 3 nearest)"), _("Compare")
        boxes = "".join(f"<label><input type='checkbox' name='peers' value='{escape(str(r))}'"
                        f"{' checked' if bool(p) else ''}> {escape(names.get(str(r), str(r)))}</label> "
                        for r, p in zip(view.peers["region"], view.peers["peer"]))
        keep = _hidden(park=[park] if park else [], park_peers=park_peers)  # the park section's choice
        picker = (f"<form method='get' id='peer-form' class='no-print'>{keep}<p class='note'>{escape(choose)}</p>{boxes}"
                  f"<button type='submit' id='peer-button'>{escape(show)}</button></form>")
        peers, industries = tables.portfolio_rows(view, names, lang)
        p = view.portfolio
        span = _("from {start} to {end}, the same months of each year", start=p.start, end=p.end)
        strength = _("Cluster strength: {share}% of traded output is in strong traded clusters.",
                     share=pct(p.cluster_strength_pct, lang))
        peers_heading, portfolio_heading = _("Peer regions"), _("Portfolio")
        title = _("Relative presence and relatedness, against the peers")
        body = (f"<h2>{escape(peers_heading)}</h2>" + picker + html_table(peers, tables.PEERS, lang, "peers-table")
                + f"<h2>{escape(portfolio_heading)}</h2><p class='note'>{escape(span)}{'。' if lang == 'zh' else '. '}{escape(strength)}</p>"
                + html_table(industries, tables.PORTFOLIO, lang, "portfolio-table")
                + figures.quadrant_chart(view.quadrants, title, lang).to_html(
                    full_html=False, include_plotlyjs=False, config={"displaylogo": False}))
        body += _park_section(d, park, tuple(p[:64] for p in park_peers) or None, lang, picked or ())
        return simple(request, u, heading, body, figure_id="portfolio")

    def _hidden(**fields) -> str:
        """Hidden inputs that carry one form's choice when the other form is sent."""
        return "".join(f"<input type='hidden' name='{k}' value='{escape(str(v))}'>" for k, vs in fields.items() for v in vs)

    def _park_section(d, park, picked, lang, region_peers) -> str:
        """The park against its peer parks (园区对标), with its own form: the park and up to 10
        peers (none: the 3 nearest)."""
        _ = translator(lang)
        title, park_word, show = _("Peer parks"), _("Park"), _("Compare")
        choose = _("Choose up to 10 peer parks (none: the 3 nearest)")
        heading = f"<h2 id='park-peers'>{escape(title)}</h2>"
        try:
            view = d.park_peers(park, picked)
        except (ValueError, KeyError) as e:
            said = reason(e, lang) if isinstance(e, NotComputable) else _("These parks cannot be compared: {why}",
                                                                                why=str(e).strip("'\""))
            return heading + f"<p class='not-computable'>{escape(said)}</p>"
        names = dict(zip(d.study.tables["parks"]["park_id"].astype(str), d.study.tables["parks"]["name"]))
        every = [view.park, *view.peers["park"].astype(str)]
        options = "".join(f"<option value='{escape(p)}'{' selected' if p == view.park else ''}>"
                          f"{escape(names.get(p, p))}</option>" for p in every)
        boxes = "".join(f"<label><input type='checkbox' name='park_peers' value='{escape(str(p))}'"
                        f"{' checked' if bool(k) else ''}> {escape(names.get(str(p), str(p)))}</label> "
                        for p, k in zip(view.peers["park"], view.peers["peer"]))
        form = (f"<form method='get' id='park-form' class='no-print' action='#park-peers'>{_hidden(peers=region_peers)}"
                f"<label>{escape(park_word)} <select name='park' id='park-select'>{options}</select></label>"
                f"<p class='note'>{escape(choose)}</p>{boxes}"
                f"<button type='submit' id='park-button'>{escape(show)}</button></form>")
        peers, figures, ranks = tables.park_peer_rows(view, names, lang)
        sep = "；" if lang == "zh" else "; "
        standing = _("{park} among itself and its peers (1 = best):", park=names.get(view.park, view.park))
        return (heading + form + html_table(peers, tables.PARK_PEERS, lang, "park-peers-table")
                + html_table(figures, tables.PARK_FIGURES, lang, "park-figures-table")
                + f"<p class='note' id='park-ranks'>{escape(standing)} {escape(sep.join(ranks))}</p>")
