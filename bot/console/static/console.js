// The console's small amount of behaviour, in plain JavaScript (no build step, no library).
// Everything that comes from customers is put on the page with textContent, never innerHTML.
"use strict";

(function () {
  const csrf = () => document.body.dataset.csrf || "";
  const labels = () => JSON.parse(document.body.dataset.statusLabels || "{}");
  const label = (word) => labels()[word] || word;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then((response) => {
      if (response.status === 401) { window.location.reload(); throw new Error("signed out"); }
      return response.json().then((body) => ({ ok: response.ok, body }));
    });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function duration(seconds) {
    const s = Math.abs(Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + r + "s";
  }

  // --- the queue: live clocks, a refresh every few seconds, claim and assign on each row ---------
  function tickClocks(root, labels) {
    const now = Date.now();
    root.querySelectorAll(".clock").forEach((cell) => {
      if (cell.dataset.due) {
        const left = (Date.parse(cell.dataset.due) - now) / 1000;
        cell.textContent = left >= 0 ? duration(left) + " " + labels.labelLeft : duration(left) + " " + labels.labelOverdue;
        cell.classList.toggle("overdue", left < 0);
      } else if (cell.dataset.waiting) {
        cell.textContent = duration((now - Date.parse(cell.dataset.waiting)) / 1000) + " " + labels.labelWaiting;
      }
    });
  }

  function postForm(action, className, fields, button) {
    const form = el("form", "inline " + className);
    form.method = "post";
    form.action = action;
    Object.entries({ csrf_token: csrf(), ...fields }).forEach(([name, value]) => {
      const input = el("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    });
    if (button) form.append(button);
    return form;
  }

  function ticketActions(table, t) {
    const cell = el("td", "actions");
    const data = table.dataset;
    const url = (template) => template.replace(/\/0\//, "/" + t.id + "/");
    if (!t.assignee) {
      const claim = el("button", null, data.labelClaim);
      claim.type = "submit";
      cell.append(postForm(url(data.claimUrl), "claim", { next: data.next }, claim));
    }
    const select = el("select");
    select.name = "assignee";
    select.append(el("option", null, data.labelUnassigned));
    select.firstChild.value = "";
    JSON.parse(data.assignees || "[]").forEach((who) => {
      const option = el("option", null, who);
      option.value = who;
      option.selected = who === t.assignee;
      select.append(option);
    });
    const assign = postForm(url(data.assignUrl), "assign", { next: data.next });
    const button = el("button", null, data.labelAssign);
    button.type = "submit";
    assign.append(select, button);
    cell.append(assign);
    return cell;
  }

  function startQueue(table) {
    const tick = () => tickClocks(table, table.dataset);
    const refresh = () => getJSON(table.dataset.source).then(({ ok, body }) => {
      if (!ok) return;
      if (table.querySelector("select:focus")) return;  // do not pull a menu away from under the user
      const tbody = table.querySelector("tbody");
      tbody.replaceChildren();
      body.tickets.forEach((t) => {
        const row = el("tr", "priority-" + t.priority + " ticket-" + t.status);
        row.dataset.id = t.id;
        const clockCell = el("td");
        const clock = el("span", "clock");
        clock.dataset.due = t.sla_due_at || "";
        clock.dataset.waiting = t.waiting_since || "";
        const clockName = t.clock === "resolution" ? table.dataset.labelResolution : table.dataset.labelFirstResponse;
        clockCell.append(clock, " ", el("small", "clock-name", clockName));
        const who = el("td");
        const link = el("a");
        if (t.customer_picture) {  // LINE's profile host only (stored only from there; the CSP allows no other)
          const picture = el("img", "avatar");
          picture.src = t.customer_picture;
          picture.alt = "";
          picture.referrerPolicy = "no-referrer";
          picture.loading = "lazy";
          link.append(picture, " ");
        }
        link.append(t.customer_name || label("customer") + " #" + (t.customer_id || t.conversation_id));
        link.href = table.dataset.openUrl.replace(/\/0$/, "/" + t.conversation_id);
        who.append(link);
        row.append(clockCell, el("td", null, label(t.priority)), who, el("td", null, label(t.channel)),
          el("td", "assignee", t.assignee || table.dataset.labelUnassigned), el("td", "subject", t.subject));
        if (table.dataset.claimUrl) row.append(ticketActions(table, t));
        tbody.append(row);
      });
      const total = document.getElementById("queue-total");
      if (total) total.textContent = body.total;
      tick();
    }).catch(() => {});
    tick();
    setInterval(tick, 1000);
    setInterval(refresh, 5000);
  }

  // --- a conversation: new messages and delivery statuses ---------------------------------------
  const FINAL = ["sent", "failed", "cancelled"];

  function startTimeline(list) {
    const refresh = () => {
      const items = list.querySelectorAll("li[data-id]");
      const last = items.length ? items[items.length - 1].dataset.id : 0;
      const open = [...list.querySelectorAll("li[data-outbox]")]
        .filter((li) => !FINAL.includes(li.dataset.status)).map((li) => li.dataset.outbox);
      const url = new URL(list.dataset.source, window.location.href);
      url.searchParams.set("after", last);
      url.searchParams.set("outbox", open.join(","));
      getJSON(url).then(({ ok, body }) => {
        if (!ok) return;
        Object.entries(body.statuses).forEach(([id, s]) => {
          list.querySelectorAll('li[data-outbox="' + id + '"]').forEach((li) => setStatus(li, s.status, s.error));
        });
        body.messages.forEach((m) => list.append(messageItem(list, m)));
        if (body.messages.length) list.querySelector("li.empty")?.remove();
      }).catch(() => {});
    };
    setInterval(refresh, 3000);
  }

  function setStatus(li, status, error) {
    li.dataset.status = status;
    let badge = li.querySelector(".delivery .badge");
    if (!badge) {
      const holder = el("span", "delivery");
      badge = el("span", "badge");
      holder.append(badge);
      li.querySelector(".meta").append(" ", holder);
    }
    badge.className = "badge status-" + (status || "none");
    badge.textContent = label(status || "—");
    if (error) badge.parentElement.title = error;
  }

  function messageItem(list, m) {
    const li = el("li", "msg " + m.direction);
    li.dataset.id = m.id;
    const meta = el("div", "meta");
    meta.append(el("span", "badge", label(m.channel)), " " + new Date(m.at).toLocaleString());
    if (m.direction === "out") meta.append(" · " + (m.staff || label("bot")));
    li.append(meta);
    const text = m.unsent ? label("(taken back by the customer)") : (m.text || m.pressed || "[" + label(m.kind) + "]");
    li.append(el("div", "text" + ((m.text || m.pressed) && !m.unsent ? "" : " muted"), text));
    if (m.outbox_id) { li.dataset.outbox = m.outbox_id; setStatus(li, m.status); }
    return li;
  }

  // --- the segment builder: live count and sample -----------------------------------------------
  function startSegment(form) {
    let timer = null;
    const update = () => {
      const params = new URLSearchParams(new FormData(form));
      params.delete("csrf_token");
      params.delete("name");
      getJSON(form.dataset.preview + "?" + params.toString()).then(({ body }) => {
        const errors = document.getElementById("segment-errors");
        errors.textContent = Object.entries(body.errors || {}).map(([k, v]) => k + ": " + v).join("; ");
        document.getElementById("segment-count").textContent = body.count === null ? "?" : body.count;
        const sample = document.getElementById("segment-sample");
        sample.replaceChildren();
        (body.sample || []).forEach((c) => {
          const li = el("li");
          const a = el("a", null, "#" + c.id + " " + (c.name || ""));
          a.href = c.url;
          li.append(a, " · " + label(c.stage) + " · " + c.tier);
          sample.append(li);
        });
      }).catch(() => {});
    };
    const soon = () => { clearTimeout(timer); timer = setTimeout(update, 250); };
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
  }

  // --- a broadcast: the progress bar ------------------------------------------------------------
  function startProgress(bar) {
    if (bar.dataset.live !== "yes") return;
    const timer = setInterval(() => getJSON(bar.dataset.source).then(({ ok, body }) => {
      if (!ok) return;
      bar.value = body.percent;
      document.getElementById("progress-text").textContent = body.percent + " %";
      const counts = { treated: body.treated, control: body.control, ...body.skipped };
      ["sent", "pending", "failed", "paused", "cancelled", "withheld"].forEach((s) => { counts[s] = body.statuses[s] || 0; });
      document.querySelectorAll("#progress-counts [data-count]").forEach((dd) => { dd.textContent = counts[dd.dataset.count] || 0; });
      const status = document.getElementById("broadcast-status");
      status.textContent = label(body.status);
      status.className = "badge status-" + body.status;
      if (!["sending", "paused", "planning", "scheduled"].includes(body.status)) clearInterval(timer);
    }).catch(() => {}), 2000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const queue = document.getElementById("queue");
    if (queue) startQueue(queue);
    const ticket = document.getElementById("ticket");
    if (ticket) { const tickTicket = () => tickClocks(ticket, ticket.dataset); tickTicket(); setInterval(tickTicket, 1000); }
    const timeline = document.getElementById("timeline");
    if (timeline) startTimeline(timeline);
    const segment = document.getElementById("segment-form");
    if (segment) startSegment(segment);
    const bar = document.getElementById("progress");
    if (bar) startProgress(bar);
    const canned = document.getElementById("canned");
    if (canned) canned.addEventListener("change", () => {
      if (canned.value) document.getElementById(canned.dataset.target).value = canned.value;
    });
  });
  window.consoleCsrf = csrf;
})();

// --- an import's progress: ask once a second until it is done, then show the report -----------
(function () {
  const box = document.getElementById("import-run");
  if (!box || box.dataset.status !== "running") return;
  const bar = document.getElementById("import-progress"), count = document.getElementById("import-count");
  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json())
      .then((body) => {
        if (body.status !== "running") { window.location.reload(); return; }
        if (body.total) { bar.value = Math.round((100 * body.done) / body.total); count.textContent = body.done + " / " + body.total; }
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 3000));
  }
  poll();
})();
