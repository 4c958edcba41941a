// Keyboard shortcuts for the review page (loaded as a file: the Content-Security-Policy forbids inline script).
"use strict";
(function () {
  const page = document.body.dataset.page;
  const typing = (el) => el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
    (el.tagName === "INPUT" && el.type !== "hidden" && el.type !== "submit"));
  const go = (id) => { const a = document.getElementById(id); if (a) window.location.assign(a.href); };

  // The demo's login link carries the token in the URL fragment (never sent to the server): fill it in.
  if (page === "login" && window.location.hash.startsWith("#token=")) {
    const token = decodeURIComponent(window.location.hash.slice(7));
    history.replaceState(null, "", window.location.pathname + window.location.search);
    document.getElementById("token").value = token;
    document.getElementById("login-form").submit();
    return;
  }

  const rows = Array.from(document.querySelectorAll("#queue tbody tr"));
  let selected = rows.length ? 0 : -1;
  const select = (i) => {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("selected", j === selected));
    rows[selected].scrollIntoView({ block: "nearest" });
  };
  rows.forEach((row, i) => row.addEventListener("click", (ev) => {
    if (ev.target.closest("td.pick")) { select(i); return; }  // the bulk checkbox: select, do not open
    if (ev.target.tagName !== "A") window.location.assign(row.dataset.href);
    select(i);
  }));
  if (rows.length) select(0);

  const focus = (id) => { const el = document.getElementById(id); if (el) { el.focus(); el.select && el.select(); } };

  // Bulk selection: the checkboxes post with #bulk-form; the count stays in step with them.
  const picks = Array.from(document.querySelectorAll("#queue input.pick"));
  const all = document.getElementById("select-all");
  const counted = () => {
    const n = picks.filter((p) => p.checked).length;
    const label = document.getElementById("bulk-count");
    if (label) label.textContent = `${n} selected`;
    if (all) { all.checked = n > 0 && n === picks.length; all.indeterminate = n > 0 && n < picks.length; }
  };
  picks.forEach((p) => p.addEventListener("change", counted));
  const pickAll = (on) => { picks.forEach((p) => { p.checked = on; }); counted(); };
  if (all) all.addEventListener("change", () => pickAll(all.checked));
  counted();
  const bulk = (button) => { const b = document.getElementById(button); if (b) b.click(); };
  if (page === "queue" && window.location.hash === "#search") focus("search");

  document.addEventListener("keydown", (ev) => {
    const el = document.activeElement;
    if (typing(el)) {
      if (ev.key === "Escape") el.blur();
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && el.form) {
        ev.preventDefault();
        if (el.id === "bulk-reason") bulk("bulk-reject");  // the bulk form has two submit buttons: reject here
        else el.form.requestSubmit();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const key = ev.key;
    if (key === "?") { document.getElementById("shortcuts")?.classList.toggle("hidden"); return; }
    if (page === "queue") {
      if (key === "j") select(selected + 1);
      else if (key === "k") select(selected - 1);
      else if ((key === "o" || key === "Enter") && selected >= 0) window.location.assign(rows[selected].dataset.href);
      else if (key === "n") go("next-undecided-link");
      else if (key === "/") focus("search");
      else if (key === "x" && selected >= 0 && picks[selected]) { picks[selected].checked = !picks[selected].checked; counted(); }
      else if (key === "*") pickAll(!picks.every((p) => p.checked));
      else if (key === "A") bulk("bulk-approve");
      else if (key === "R") focus("bulk-reason");
      else return;
    } else if (page === "bulk") {
      if (key === "y") document.getElementById("confirm-form").requestSubmit();
      else if (key === "Escape" || key === "u") go("cancel-link");
      else return;
    } else if (page === "point") {
      if (key === "j") go("next-link");
      else if (key === "k") go("prev-link");
      else if (key === "u") go("queue-link");
      else if (key === "n") go("next-undecided-link");
      else if (key === "/") { const q = document.getElementById("queue-link"); if (q) window.location.assign(q.href + "#search"); }
      else if (key === "d") { const v = document.getElementById("versions"); v.scrollIntoView({ block: "start" }); v.focus(); }
      else if (key === "a" && document.getElementById("approve-form")) document.getElementById("approve-form").requestSubmit();
      else if (key === "r") focus("reject-reason");
      else if (key === "e" && document.getElementById("edit-details")) {
        document.getElementById("edit-details").open = true;
        document.getElementById("edit-payload").focus();
      } else return;
    } else if (page === "checklist") {
      if (key === "u") go("queue-link");
      else return;
    } else return;
    ev.preventDefault();
  });
  document.body.dataset.ready = "1";  // the shortcuts are live (tests wait for this)
})();
