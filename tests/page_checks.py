"""What the layout and accessibility browser tests check on every page (tests/test_layout_browser.py).

Kept apart from the test so the same walk can be run by hand against a demo server
to take screenshots (see the test module's docstring).
"""
import re
from dataclasses import dataclass, field

from axe_playwright_python.sync_playwright import Axe

LAPTOP, PHONE = 1280, 390
BLOCKING_IMPACTS = ("serious", "critical")

_axe = Axe()


@dataclass
class PageReport:
    path: str
    language: str
    width: int
    scroll_width: int
    violations: list[str] = field(default_factory=list)

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.width


def first_link(page, path: str, pattern: str) -> str:
    """The first link on ``path`` whose address matches ``pattern`` (a detail page to visit)."""
    page.goto(path)
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    for href in hrefs:
        if re.fullmatch(pattern, href.split("?")[0]):
            return href
    raise AssertionError(f"no link matching {pattern} on {path}")


def measure(page, path: str, language: str, widths: tuple[int, ...], axe: bool = True) -> list[PageReport]:
    """The page loaded once, then laid out at each width in turn (the first also checked by axe-core,
    unless ``axe`` is false).

    A width is a resize, not a new load: the CSS (media queries included) lays the same page out
    again, as when a window is resized, and the walk costs one load a page instead of one a width."""
    page.set_viewport_size({"width": widths[0], "height": 900})
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    page.wait_for_load_state()
    reports = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        # After a frame the layout at the new width is done.
        scroll_width = page.evaluate(
            "() => new Promise(done => requestAnimationFrame(() => done(document.documentElement.scrollWidth)))")
        report = PageReport(path, language, width, scroll_width)
        if axe and width == widths[0]:
            report.violations = serious_violations(page)
        reports.append(report)
    return reports


def serious_violations(page) -> list[str]:
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found
