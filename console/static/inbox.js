// Parts of the inbox's pages fetched again while the page is visible: every element with
// data-src and data-refresh (seconds) is replaced by what the server renders at data-src (the
// list of requests; a request's conversation). The pages work without this file: the server
// renders the same parts, and a reload shows them fresh.
(function () {
  "use strict";
  if (!window.fetch) {
    return;
  }

  function playing(el) {
    var media = el.querySelectorAll("audio, video");
    for (var i = 0; i < media.length; i += 1) {
      if (!media[i].paused) {
        return true;
      }
    }
    return false;
  }

  function poll(el) {
    var seconds = parseInt(el.getAttribute("data-refresh"), 10) || 10;
    var busy = false;
    var last = null;

    function refresh() {
      // Not while hidden, nor while someone is on one of its buttons or playing its media.
      if (busy || document.hidden || el.contains(document.activeElement) || playing(el)) {
        return;
      }
      busy = true;
      fetch(el.getAttribute("data-src"), {
        credentials: "same-origin",
        redirect: "manual", // a login page after the session ended is not the content
        headers: { "Accept": "text/html" }
      }).then(function (response) {
        if (response.ok && response.type !== "opaqueredirect") {
          return response.text().then(function (html) {
            if (html !== last) {
              last = html;
              el.innerHTML = html; // rendered and escaped by the server
            }
            el.setAttribute("data-updated", String(Date.now()));
          });
        }
      }).catch(function () {
        // offline or the console restarting: the next round tries again
      }).then(function () {
        busy = false;
      });
    }

    window.setInterval(refresh, seconds * 1000);
  }

  var parts = document.querySelectorAll("[data-src][data-refresh]");
  for (var i = 0; i < parts.length; i += 1) {
    poll(parts[i]);
  }
})();
