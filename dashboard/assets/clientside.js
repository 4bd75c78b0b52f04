/* Clientside callbacks of the sector monitor (kept in a file: no inline script for the CSP). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    sectorMonitor: {
        /* Language links keep the current page and query string; <html lang> follows the URL. */
        languageLinks: function () {
            var languages = ["fr", "nl", "en"];
            var parts = window.location.pathname.split("/");
            var current = languages.indexOf(parts[1]) >= 0 ? parts[1] : "fr";
            document.documentElement.lang = current;
            var rest = languages.indexOf(parts[1]) >= 0 ? parts.slice(2).join("/") : "";
            return languages.map(function (lang) {
                return "/" + lang + (rest ? "/" + rest : "") + window.location.search;
            });
        },
        /* Mobile navigation: the toggler opens the menu, a new page closes it. */
        toggleMenu: function () {
            var triggered = window.dash_clientside.callback_context.triggered_id;
            if (triggered !== "nav-toggler") {
                return false;
            }
            var collapse = document.getElementById("nav-collapse");
            return !(collapse && collapse.classList.contains("show"));
        },
        /* The explorer's state goes into the address bar without reloading the page. */
        replaceSearch: function (search) {
            if (typeof search === "string" && search !== window.location.search) {
                window.history.replaceState(null, "", window.location.pathname + search);
            }
            return search;
        }
    }
});
