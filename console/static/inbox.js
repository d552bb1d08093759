// The inbox's rows, fetched again every data-refresh seconds while the page is visible. The
// page works without this file: the server renders the same rows and a link reloads them.
(function () {
  "use strict";
  var list = document.getElementById("inbox-list");
  if (!list || !window.fetch) {
    return;
  }
  var seconds = parseInt(list.getAttribute("data-refresh"), 10) || 10;
  var busy = false;

  function refresh() {
    // Not while hidden, nor while a caseworker is on one of the list's buttons.
    if (busy || document.hidden || list.contains(document.activeElement)) {
      return;
    }
    busy = true;
    fetch(list.getAttribute("data-src"), {
      credentials: "same-origin",
      redirect: "manual", // a login page after the session ended is not a list of rows
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (response.ok && response.type !== "opaqueredirect") {
        return response.text().then(function (html) {
          list.innerHTML = html; // rendered and escaped by the server
          list.setAttribute("data-updated", String(Date.now()));
        });
      }
    }).catch(function () {
      // offline or the console restarting: the next round tries again
    }).then(function () {
      busy = false;
    });
  }

  window.setInterval(refresh, seconds * 1000);
})();
