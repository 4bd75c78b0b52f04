/* Accessibility repairs of Dash components that offer no prop for them (Dash 4.4, dbc 2.0).
 *
 * Run on every change of the page (a MutationObserver, batched per animation frame); every
 * repair is idempotent and only sets attributes React does not manage, so re-renders keep them.
 *
 * - dcc.Slider: the thumb (role=slider) and the direct-input box get the name of the page's
 *   <label for="<slider id>"> through aria-labelledby (no prop names them).
 * - dcc.Dropdown: the hidden "focus target" input (aria-hidden yet focusable, a Safari Tab
 *   workaround) is hidden by style.css; the dropdown button itself becomes the Tab stop and
 *   its name starts with its <label for> (Dash names it by its value only).
 * - dbc.Tabs: links come out with one shared id, aria-controls naming a missing panel,
 *   href="#", tabindex=-1 on every tab and no aria-selected. Each tab gets its own id,
 *   aria-controls naming the panel declared with data-tabs-for="<tabs id>", aria-selected and
 *   a roving tabindex; arrow keys, Home and End move between tabs, Enter and Space select.
 */
(function () {
    "use strict";

    function labelFor(id) {
        if (!id) {
            return null;
        }
        var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
        if (label && !label.id) {
            label.id = id + "--label";
        }
        return label;
    }

    function repairSliders() {
        document.querySelectorAll(".dash-slider-container[id]").forEach(function (slider) {
            var label = labelFor(slider.id);
            if (!label) {
                return;
            }
            slider.querySelectorAll('[role="slider"], input').forEach(function (control) {
                if (control.getAttribute("aria-labelledby") !== label.id) {
                    control.setAttribute("aria-labelledby", label.id);
                }
            });
        });
    }

    function repairDropdowns() {
        document.querySelectorAll("button.dash-dropdown[id]").forEach(function (button) {
            if (!button.disabled && button.getAttribute("tabindex") !== "0") {
                button.setAttribute("tabindex", "0");
            }
            var label = labelFor(button.id);
            var named = button.getAttribute("aria-labelledby") || "";
            if (label && named.split(" ").indexOf(label.id) < 0) {
                button.setAttribute("aria-labelledby", (label.id + " " + named).trim());
            }
        });
    }

    function repairTabs() {
        document.querySelectorAll('ul.nav-tabs[role="tablist"][id]').forEach(function (list) {
            var panel = document.querySelector('[data-tabs-for="' + CSS.escape(list.id) + '"]');
            var tabs = list.querySelectorAll('a[role="tab"]');
            tabs.forEach(function (tab, index) {
                var id = list.id + "--tab-" + index;
                var active = tab.classList.contains("active");
                if (tab.id !== id) {
                    tab.id = id;
                }
                if (tab.hasAttribute("href")) {
                    tab.removeAttribute("href");
                }
                if (panel) {
                    if (tab.getAttribute("aria-controls") !== panel.id) {
                        tab.setAttribute("aria-controls", panel.id);
                    }
                } else if (tab.hasAttribute("aria-controls")) {
                    tab.removeAttribute("aria-controls");
                }
                if (tab.getAttribute("aria-selected") !== String(active)) {
                    tab.setAttribute("aria-selected", String(active));
                }
                if (tab.getAttribute("tabindex") !== (active ? "0" : "-1")) {
                    tab.setAttribute("tabindex", active ? "0" : "-1");
                }
                if (active && panel && panel.getAttribute("aria-labelledby") !== id) {
                    panel.setAttribute("aria-labelledby", id);
                }
            });
            if (!list.dataset.a11yKeys) {
                list.dataset.a11yKeys = "1";
                list.addEventListener("keydown", tabKeys);
            }
        });
    }

    function tabKeys(event) {
        var tab = event.target.closest('[role="tab"]');
        if (!tab) {
            return;
        }
        var tabs = Array.prototype.slice.call(
            event.currentTarget.querySelectorAll('a[role="tab"]'));
        var index = tabs.indexOf(tab);
        var next = {
            ArrowRight: (index + 1) % tabs.length,
            ArrowLeft: (index - 1 + tabs.length) % tabs.length,
            Home: 0,
            End: tabs.length - 1
        }[event.key];
        if (next !== undefined) {
            event.preventDefault();
            tabs[next].focus();
            tabs[next].click();
        } else if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            tab.click();
        }
    }

    function repair() {
        repairSliders();
        repairDropdowns();
        repairTabs();
    }

    var pending = false;

    function schedule() {
        if (!pending) {
            pending = true;
            window.requestAnimationFrame(function () {
                pending = false;
                repair();
            });
        }
    }

    function start() {
        repair();
        new MutationObserver(schedule).observe(document.body, {
            childList: true, subtree: true, attributes: true, attributeFilter: ["class"]
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
