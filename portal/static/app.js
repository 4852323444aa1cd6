// WijkHelpt: a little progressive enhancement. Every page works without
// this script; with it, forms hide what does not apply, suggest a category
// while a resident types, fill in the street during phone intake, and the
// mediator sees answers arrive without reloading.
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function debounce(fn, ms) {
    var t;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // Move focus to an error summary, so keyboard and screen reader users
  // start at the list of what to fix.
  var summary = document.querySelector("[data-focus]");
  if (summary) { summary.focus(); }

  // Show parts of a form only when a radio choice makes them relevant:
  // data-show-if="for=other". Without the script, everything stays visible.
  var conditionals = document.querySelectorAll("[data-show-if]");
  function applyConditions() {
    conditionals.forEach(function (el) {
      var rule = el.getAttribute("data-show-if").split("=");
      var checked = document.querySelector('input[type="radio"][name="' + rule[0] + '"]:checked');
      el.hidden = !checked || checked.value !== rule[1];
    });
  }
  if (conditionals.length) {
    document.addEventListener("change", function (e) {
      if (e.target && e.target.type === "radio") { applyConditions(); }
    });
    applyConditions();
  }

  // Suggest a category from the text as it is typed (POST /api/v1/classify).
  // The choice is only filled in while the person has not picked one.
  document.querySelectorAll("textarea[data-classify]").forEach(function (area) {
    var select = document.getElementById(area.getAttribute("data-classify"));
    var region = document.getElementById(area.getAttribute("data-suggest"));
    if (!select || !region) { return; }
    var userPicked = select.value !== "";
    var lastCode = "";
    select.addEventListener("change", function () { userPicked = true; });
    var ask = debounce(function () {
      var text = area.value.trim();
      if (text.length < 12 || userPicked) { return; }
      fetch("/api/v1/classify", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text: text })
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (res) {
        if (!res || !res.categories || !res.categories.length || userPicked) { return; }
        var best = res.categories[0];
        if (!(best.score > 0) || best.code === lastCode) { return; }
        var opt = select.querySelector('option[value="' + best.code + '"]');
        if (!opt) { return; }
        lastCode = best.code;
        select.value = best.code;
        region.textContent = region.getAttribute("data-msg").replace("{label}", opt.textContent);
      }).catch(function () { /* the form works without a suggestion */ });
    }, 500);
    area.addEventListener("input", ask);
  });

  // Phone intake: look up the street and place as soon as postcode and
  // house number are typed, so staff can read them back to the caller.
  var result = document.querySelector("[data-lookup-result]");
  if (result) {
    var pc = document.querySelector('[data-lookup="postcode"]');
    var hn = document.querySelector('[data-lookup="houseNumber"]');
    var look = debounce(function () {
      if (!pc.value.trim() || !hn.value.trim()) { return; }
      var url = result.getAttribute("data-lookup-result") + "?postcode=" + encodeURIComponent(pc.value) +
        "&houseNumber=" + encodeURIComponent(hn.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (res) {
          if (res.errors) {
            result.textContent = Object.keys(res.errors).map(function (k) { return res.errors[k]; }).join(" ");
            result.classList.add("notice-warning");
          } else {
            result.textContent = res.address;
            result.classList.remove("notice-warning");
          }
        }).catch(function () { result.textContent = ""; });
    }, 300);
    [pc, hn].forEach(function (el) { if (el) { el.addEventListener("input", look); el.addEventListener("change", look); } });
  }

  // Copy the plain-text list for the volunteers' chat group.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    var source = document.getElementById(btn.getAttribute("data-copy"));
    var status = document.getElementById("copy-status");
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var done = function () { if (status) { status.textContent = btn.getAttribute("data-copied"); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
      } else {
        source.focus();
        source.select();
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected for manual copy */ }
      }
    });
  });

  // Mediator: watch the request for answers (JA/NEE, time-outs) and show
  // them without a reload. Parts holding the mediator's own input are only
  // replaced while nothing there is chosen.
  var live = document.querySelector("[data-poll]");
  if (live) {
    var revision = live.getAttribute("data-revision");
    var busy = false;
    var refresh = function () {
      return fetch(location.pathname + location.search, { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["request-status", "vrijwilligers"].forEach(function (id) {
            var now = document.getElementById(id), next = doc.getElementById(id);
            if (now && next) { now.replaceWith(next); }
          });
          var sug = document.getElementById("suggesties");
          var nextSug = doc.getElementById("suggesties");
          if (sug && nextSug && !sug.querySelector("input:checked")) {
            sug.parentNode.replaceWith(nextSug.parentNode);
          }
          live.textContent = live.getAttribute("data-updated");
        });
    };
    setInterval(function () {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(live.getAttribute("data-poll"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) {
          if (st && String(st.revision) !== revision) {
            revision = String(st.revision);
            return refresh();
          }
        })
        .catch(function () { /* try again at the next tick */ })
        .then(function () { busy = false; });
    }, 3000);
  }
})();
