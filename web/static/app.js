// Skald's log explorer: a thin client of Loki's HTTP API.
"use strict";

const $ = (id) => document.getElementById(id);

async function api(path, params) {
  const url = path + (params ? "?" + new URLSearchParams(params) : "");
  const resp = await fetch(url);
  const body = await resp.text();
  if (!resp.ok) throw new Error(`${resp.status}: ${body}`);
  return JSON.parse(body);
}

function rangeParams() {
  const end = Date.now() * 1e6;
  const start = end - Number($("range").value) * 1e9;
  return { start: String(start), end: String(end) };
}

function labelsText(m) {
  return "{" + Object.keys(m).sort().map((k) => `${k}="${m[k]}"`).join(", ") + "}";
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const [cls, text] of cells) {
    const td = document.createElement("td");
    td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
  }
  return tr;
}

function render(data) {
  const tbody = $("results").querySelector("tbody");
  tbody.replaceChildren();
  let n = 0;
  if (data.resultType === "streams") {
    const lines = [];
    for (const s of data.result) {
      for (const [ts, line] of s.values) lines.push([ts, labelsText(s.stream), line]);
    }
    const backward = $("direction").value === "backward";
    lines.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1) * (backward ? -1 : 1));
    for (const [ts, labels, line] of lines) {
      const when = new Date(Number(BigInt(ts) / 1000000n)).toISOString();
      tbody.appendChild(row([["ts", when], ["labels", labels], ["line", line]]));
      n++;
    }
    return `${n} lines`;
  }
  if (data.resultType === "matrix") {
    for (const s of data.result) {
      const last = s.values[s.values.length - 1];
      tbody.appendChild(row([["labels", labelsText(s.metric)], ["line", `${s.values.length} points, last ${last ? last[1] : "-"}`]]));
      n++;
    }
    return `${n} series`;
  }
  if (data.resultType === "vector") {
    for (const s of data.result) {
      tbody.appendChild(row([["labels", labelsText(s.metric)], ["line", s.value[1]]]));
      n++;
    }
    return `${n} series`;
  }
  tbody.appendChild(row([["line", JSON.stringify(data.result)]]));
  return data.resultType;
}

async function runQuery(ev) {
  if (ev) ev.preventDefault();
  $("error").textContent = "";
  $("status").textContent = "running…";
  const began = performance.now();
  try {
    const params = { query: $("query").value, limit: $("limit").value, direction: $("direction").value, ...rangeParams() };
    const resp = await api("/loki/api/v1/query_range", params);
    const what = render(resp.data);
    const ms = Math.round(performance.now() - began);
    $("status").textContent = `${what} in ${ms} ms`;
    history.replaceState(null, "", "?" + new URLSearchParams({ query: params.query }));
  } catch (err) {
    $("status").textContent = "";
    $("error").textContent = err.message;
    $("results").querySelector("tbody").replaceChildren();
  }
}

async function showValues(name) {
  $("values-title").textContent = name;
  const list = $("values");
  list.replaceChildren();
  try {
    const resp = await api(`/loki/api/v1/label/${encodeURIComponent(name)}/values`, rangeParams());
    for (const v of resp.data || []) {
      const li = document.createElement("li");
      li.textContent = v;
      li.onclick = () => { $("query").value = `{${name}="${v}"}`; runQuery(); };
      list.appendChild(li);
    }
  } catch (err) {
    $("error").textContent = err.message;
  }
}

async function loadLabels() {
  try {
    const resp = await api("/loki/api/v1/labels", rangeParams());
    const list = $("labels");
    list.replaceChildren();
    for (const name of resp.data || []) {
      const li = document.createElement("li");
      li.textContent = name;
      li.onclick = () => showValues(name);
      list.appendChild(li);
    }
  } catch (err) {
    $("error").textContent = err.message;
  }
}

async function loadVersion() {
  try {
    const b = await api("/loki/api/v1/status/buildinfo");
    $("version").textContent = `version ${b.version}`;
  } catch (err) { /* optional */ }
}

$("query-form").addEventListener("submit", runQuery);
const initial = new URLSearchParams(location.search).get("query");
if (initial) { $("query").value = initial; runQuery(); }
loadLabels();
loadVersion();
