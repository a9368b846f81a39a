// elearn: progressive enhancement only; every page works without JavaScript.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
  var quiz = document.querySelector("form[data-autosave]");
  if (quiz && window.fetch && window.FormData && window.URLSearchParams) { autosave(quiz); }
  var summary = document.querySelector(".error-summary[tabindex]");
  if (summary) { summary.focus(); }
  var timer = document.querySelector("[data-seconds-left]");
  if (timer) { countdown(timer); }
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }

  // Quiz answers are saved as they are given; the page's buttons save them too, without script.
  // An answer that cannot be saved (no connection, logged out) is kept in this browser and sent
  // again when the page is next opened, so it is not lost.
  function autosave(form) {
    var status = form.querySelector("[data-save-status]");
    var counter = document.querySelector("[data-answered-count]");
    var key = "elearn-unsaved:" + form.getAttribute("action");
    var waiting = null;
    function say(text) { status.textContent = ""; window.setTimeout(function () { status.textContent = text; }, 50); }
    function answers() {
      var pairs = [];
      new FormData(form).forEach(function (value, name) { if (name !== "csrf_token") { pairs.push([name, value]); } });
      return pairs;
    }
    function keep() { try { window.localStorage.setItem(key, JSON.stringify(answers())); } catch (e) { /* private mode */ } }
    function forget() { try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ } }
    function restore() {
      var kept = null;
      try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
      if (!kept) { return false; }
      var answered = {}, applied = false;  // answered on the server (maybe on another device): kept
      new FormData(form).forEach(function (value, name) { if (value) { answered[name.split("-")[0]] = true; } });
      kept.forEach(function (pair) {
        if (answered[pair[0].split("-")[0]]) { return; }
        form.querySelectorAll("[name='" + pair[0] + "']").forEach(function (field) {
          if (field.tagName === "SELECT") { field.value = pair[1]; applied = true; }
          else if (field.value === pair[1]) { field.checked = true; applied = true; }
        });
      });
      if (!applied) { forget(); }
      return applied;
    }
    function save() {
      var body = new URLSearchParams(new FormData(form));
      fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
                                           headers: { "Accept": "application/json" } })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.redirected || type.indexOf("json") < 0) { throw new Error("logged-out"); }
          return response.json().then(function (data) {
            if (response.status === 409) { forget(); throw new Error(data.message || "failed"); }
            // 400/401/403: the log-in (and with it the form's token) has ended
            if (response.status >= 400 && response.status < 404) { throw new Error("logged-out"); }
            if (!response.ok) { throw new Error("failed"); }
            return data;
          });
        })
        .then(function (data) {
          forget();
          say(form.dataset.savedText);
          if (counter) {
            counter.textContent = form.dataset.countText.replace("{answered}", data.answered)
              .replace("{total}", data.total);
          }
        })
        .catch(function (error) {
          var closed = !(error.message === "logged-out" || error.message === "failed" ||
                         error instanceof TypeError);
          if (!closed) { keep(); }
          say(error.message === "logged-out" ? form.dataset.loggedOutText :
              (closed ? error.message : form.dataset.failedText));
        });
    }
    form.addEventListener("change", function () {
      window.clearTimeout(waiting);
      waiting = window.setTimeout(save, 250);
    });
    if (restore()) { save(); }
  }

  function countdown(timer) {
    var end = Date.now() + 1000 * parseInt(timer.dataset.secondsLeft, 10);
    var shown = timer.querySelector(".timer-left");
    var live = timer.querySelector("[data-timer-status]");
    var warned = {};
    var initial = Math.round((end - Date.now()) / 1000);
    [300, 60].forEach(function (mark) { warned[mark] = initial <= mark; });  // announce crossings only
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      shown.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      [300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !warned[mark] && live) {
          warned[mark] = true;
          live.textContent = timer.dataset["warn" + mark];
        }
      });
      if (left > 0) { window.setTimeout(tick, 1000); }
    }
    tick();
  }
}());
