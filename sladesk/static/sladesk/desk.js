/* sladesk: the SLA countdowns of the queue and the ticket page, kept current in the browser.
   The server renders each countdown; this only re-renders it every 15 seconds, with the
   phrases the server put in #countdown-strings (the page's language). No build step. */
(function () {
  "use strict";

  function phrases() {
    var el = document.getElementById("countdown-strings");
    return el ? JSON.parse(el.textContent) : null;
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function span(s, seconds) {
    var minutes = Math.floor(seconds / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var rest = minutes % 60;
    if (days) return fill(s.dh, { days: days, hours: hours });
    if (hours) return rest ? fill(s.hm, { hours: hours, minutes: rest }) : fill(s.h, { hours: hours });
    if (minutes) return fill(s.m, { minutes: minutes });
    return s.lt1;
  }

  function tick() {
    var s = phrases();
    if (!s) return;
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = (Number(el.getAttribute("data-due")) - now) / 1000;
      el.textContent = left >= 0
        ? fill(s.left, { time: span(s, left) })
        : fill(s.overdue, { time: span(s, -left) });
      if (left < 0) {
        var clock = el.closest(".clock");
        if (clock) clock.setAttribute("data-band", "breached");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 15000);
})();
