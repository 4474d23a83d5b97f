"""Whether a page fits its window in the browser (a phone's 412 px and up): the page itself never
scrolls sideways; wide tables scroll inside their own frame (`.table-scroll`)."""

from __future__ import annotations

# How many pixels the page is wider than the window (0 or less: it fits).
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

# The innermost elements sticking out of the window, to say why a page is too wide. Those in a
# frame that scrolls are left out, unless placed absolutely: they can escape their frame.
STICKING_OUT = """() => {
    const wide = e => e.getBoundingClientRect().right > window.innerWidth + 1;
    const escapes = e => ['absolute', 'fixed'].includes(getComputedStyle(e).position);
    const framed = e => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true;
        }
        return false;
    };
    const out = [...document.querySelectorAll('body *')]
        .filter(e => wide(e) && (escapes(e) || !framed(e)));
    return out.filter(e => ![...e.children].some(c => out.includes(c))).slice(0, 5)
        .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' '
            + JSON.stringify(e.textContent.trim().slice(0, 40)));
}"""

# Words drawn in SVG (charts, maps) rendered under 12 px: an SVG scales its text with the
# drawing, so a chart that reads well on a laptop can shrink to 7 px on a phone.
SMALL_SVG_TEXT = """() => [...document.querySelectorAll('svg text')]
    .filter(e => e.getBoundingClientRect().width > 0 && e.textContent.trim())
    .map(e => [e.textContent.trim().slice(0, 30),
               parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a])
    .filter(([, size]) => size < 11.95)
    .map(([text, size]) => `${text} (${size.toFixed(1)} px)`)
    .slice(0, 5)"""
