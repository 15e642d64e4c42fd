// The msf-scaffold form: built from GET /metadata, answers kept in the address bar's query.
// Query parameters are the question names (sinks comma-separated), as /starter.zip takes them;
// parameters starting with "_" are the page's own (_explore, _file).
"use strict";

const GROUPS = [
  ["Project", ["experience", "project_name", "artifact_id", "group_id", "package", "description", "owner"]],
  ["Flink", ["flink_version", "api"]],
  ["Pipeline", ["source", "sinks"]],
  ["Deployment", ["aws_region", "iac", "tags", "alarm_topic_arn", "backstage"]],
];
const OPTIONS_GROUP = "Connector options";

let meta = null;
let answers = {};      // question name -> string, or array of strings for a list question
let view = { explore: false, file: "" };
let lastTree = null;

const $ = (id) => document.getElementById(id);

function element(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function question(name) { return meta.questions.find((q) => q.name === name); }

function groupOf(name) {
  for (const [title, names] of GROUPS) if (names.includes(name)) return title;
  return OPTIONS_GROUP;
}

// ---- answers <-> address bar ----------------------------------------------------------------

function readLocation() {
  const params = new URLSearchParams(window.location.search);
  answers = {};
  for (const q of meta.questions) {
    const values = params.getAll(q.name);
    if (!values.length) continue;
    answers[q.name] = q.type === "list"
      ? values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean)
      : values[0];
  }
  view = { explore: params.get("_explore") === "1", file: params.get("_file") || "" };
}

function context() {
  const values = {};
  for (const q of meta.questions) {
    values[q.name] = q.name in answers ? answers[q.name] : q.default;
  }
  if (typeof values.backstage === "string") values.backstage = values.backstage === "true";
  return values;
}

function evaluate(node, values) {
  if (node === true || node === false) return node;
  if ("var" in node) return values[node.var];
  if ("const" in node) return node.const;
  const [a, b] = node.args.map((arg) => evaluate(arg, values));
  switch (node.op) {
    case "eq": return a === b;
    case "ne": return a !== b;
    case "in": return Array.isArray(b) ? b.includes(a) : String(b).includes(a);
    case "notin": return !(Array.isArray(b) ? b.includes(a) : String(b).includes(a));
    case "and": return Boolean(a) && Boolean(b);
    case "or": return Boolean(a) || Boolean(b);
    case "not": return !a;
    default: throw new Error(`unknown operator ${node.op}`);
  }
}

// Shown when copier would ask it: its `when` (it applies) and its `ask` (the experience level's).
function asked(q, values) { return Boolean(evaluate(q.when, values)) && Boolean(evaluate(q.ask, values)); }

function query() {
  const values = context();
  const params = new URLSearchParams();
  for (const q of meta.questions) {
    if (!(q.name in answers) || !asked(q, values)) continue;
    const value = answers[q.name];
    params.append(q.name, Array.isArray(value) ? value.join(",") : value);
  }
  return params;
}

function writeLocation() {
  const params = query();
  if (view.explore) params.set("_explore", "1");
  if (view.explore && view.file) params.set("_file", view.file);
  const text = params.toString();
  history.replaceState(null, "", text ? `?${text}` : window.location.pathname);
  const api = query().toString();
  $("curl").textContent = `curl -fOJ '${window.location.origin}/starter.zip${api ? "?" + api : ""}'`;
}

// ---- the form ---------------------------------------------------------------------------------

function choicesOf(q, values) {
  const list = q.choices || ((q.choices_by_line[values.flink_version] || {})[values.api]) || [];
  const allowed = meta.allowed[q.name];
  return list.map((choice) => {
    let refused = choice.refused;
    if (!refused && allowed && !allowed.includes(choice.value)) {
      refused = `not allowed by the organisation defaults; choose from: ${allowed.join(", ")}`;
    }
    return { ...choice, refused };
  });
}

function setAnswer(name, value) {
  const q = question(name);
  const same = Array.isArray(value)
    ? JSON.stringify(value) === JSON.stringify(q.default)
    : value === (q.type === "bool" ? String(q.default) : String(q.default ?? ""));
  if (same || (value === "" && q.derived_from.length)) delete answers[name];
  else answers[name] = value;
  clearProblems();
  refresh();
}

function buildInput(q, box) {
  if (q.type === "bool") {
    const input = element("input", { type: "checkbox", id: `in-${q.name}` });
    input.addEventListener("change", () => setAnswer(q.name, input.checked ? "true" : "false"));
    box.append(element("label", { class: "choice" }, [input, " yes"]));
  } else if (q.choices || q.choices_by_line) {
    if (q.type === "list") {
      box.append(element("div", { id: `in-${q.name}`, class: "checks" }));
    } else {
      const select = element("select", { id: `in-${q.name}` });
      select.addEventListener("change", () => setAnswer(q.name, select.value));
      box.append(select);
      box.append(element("span", { class: "reason", id: `reason-${q.name}` }));
    }
  } else {
    const input = element("input", { type: "text", id: `in-${q.name}`, autocomplete: "off", spellcheck: "false" });
    input.addEventListener("change", () => setAnswer(q.name, input.value));
    box.append(input);
  }
}

function buildForm() {
  const container = $("questions");
  container.textContent = "";
  const groups = {};
  for (const title of [...GROUPS.map(([t]) => t).slice(0, 3), OPTIONS_GROUP, GROUPS[3][0]]) {
    groups[title] = element("fieldset", { class: "group" }, [element("legend", { text: title })]);
    container.append(groups[title]);
  }
  for (const q of meta.questions) {
    const box = element("div", { class: "question", id: `q-${q.name}` });
    const label = q.type === "list"
      ? element("span", { class: "label", text: q.name })
      : element("label", { for: `in-${q.name}`, text: q.name });
    box.append(label, element("span", { class: "help", text: q.help }));
    buildInput(q, box);
    box.append(element("span", { class: "error", id: `error-${q.name}` }));
    groups[groupOf(q.name)].append(box);
  }
  const presets = $("preset");
  for (const preset of meta.presets) {
    presets.append(element("option", { value: preset.name, text: `${preset.name}: ${preset.description}` }));
  }
  presets.addEventListener("change", () => {
    const chosen = meta.presets.find((p) => p.name === presets.value);
    if (!chosen) return;
    answers = {};
    for (const [name, value] of Object.entries(chosen.answers)) {
      answers[name] = Array.isArray(value) ? value.map(String) : String(value);
    }
    clearProblems();
    refresh();
  });
}

function refreshChoices(q, values) {
  const choices = choicesOf(q, values);
  const current = values[q.name];
  if (q.type === "list") {
    const box = $(`in-${q.name}`);
    box.textContent = "";
    for (const choice of choices) {
      const input = element("input", { type: "checkbox", value: choice.value, "data-value": choice.value });
      input.checked = current.includes(choice.value);
      input.addEventListener("change", () => {
        const chosen = [...box.querySelectorAll("input:checked")].map((i) => i.value);
        setAnswer(q.name, chosen);
      });
      const row = element("label", { class: `choice${choice.refused ? " refused" : ""}` },
        [input, ` ${choice.value}: ${choice.label}`]);
      box.append(row);
      if (choice.refused) box.append(element("span", { class: "reason", text: `not offered: ${choice.refused}` }));
    }
    return;
  }
  const select = $(`in-${q.name}`);
  select.textContent = "";
  for (const choice of choices) {
    const text = `${choice.value}: ${choice.label}${choice.refused ? " (not offered)" : ""}`;
    select.append(element("option", { value: choice.value, text }));
  }
  if (!choices.some((c) => c.value === current)) {
    select.append(element("option", { value: current, text: `${current} (not a choice)` }));
  }
  select.value = current;
  const refused = (choices.find((c) => c.value === current) || {}).refused;
  $(`reason-${q.name}`).textContent = refused ? `not offered: ${refused}` : "";
}

function refresh() {
  const values = context();
  for (const q of meta.questions) {
    $(`q-${q.name}`).hidden = !asked(q, values);
    if (q.type === "bool") {
      $(`in-${q.name}`).checked = values[q.name] === true || values[q.name] === "true";
    } else if (q.choices || q.choices_by_line) {
      refreshChoices(q, values);
    } else {
      const input = $(`in-${q.name}`);
      const value = q.name in answers ? answers[q.name] : "";
      if (input.value !== value) input.value = value;
      const shown = typeof q.default === "string" ? q.default : JSON.stringify(q.default);
      input.placeholder = q.derived_from.length
        ? `derived from ${q.derived_from.join(", ")} (with the defaults: ${shown})`
        : shown;
    }
  }
  for (const fieldset of document.querySelectorAll("fieldset.group")) {
    fieldset.hidden = ![...fieldset.querySelectorAll(".question")].some((box) => !box.hidden);
  }
  writeLocation();
}

// ---- problems ---------------------------------------------------------------------------------

function clearProblems() {
  $("problem").hidden = true;
  for (const box of document.querySelectorAll(".question.invalid")) box.classList.remove("invalid");
  for (const error of document.querySelectorAll(".question .error")) error.textContent = "";
}

function showProblem(problem) {
  clearProblems();
  const message = problem.message || "the service refused the request";
  $("problem").textContent = problem.field ? `${problem.field}: ${message}` : message;
  $("problem").hidden = false;
  const box = problem.field && $(`q-${problem.field}`);
  if (box) {
    box.hidden = false;
    box.classList.add("invalid");
    $(`error-${problem.field}`).textContent = message;
    box.scrollIntoView({ block: "center" });
  }
}

async function call(path) {
  $("status").textContent = "Generating...";
  try {
    const response = await fetch(`${path}?${query().toString()}`);
    if (!response.ok) {
      let problem = { field: null, message: `HTTP ${response.status}` };
      try { problem = await response.json(); } catch (_) { /* not JSON */ }
      showProblem(problem);
      $("status").textContent = "Refused.";
      return null;
    }
    $("status").textContent = "";
    return response;
  } catch (error) {
    showProblem({ field: null, message: `the service cannot be reached: ${error}` });
    $("status").textContent = "";
    return null;
  }
}

// ---- explore and download ---------------------------------------------------------------------

function showFile(path) {
  const file = lastTree.files.find((f) => f.path === path) || lastTree.files[0];
  if (!file) return;
  view.file = file.path;
  $("file-name").textContent = `${file.path}${file.executable ? " (executable)" : ""}`;
  $("file-text").textContent = file.text === null ? `(binary file, ${file.size} bytes)` : file.text;
  for (const button of document.querySelectorAll("#tree button")) {
    button.setAttribute("aria-current", String(button.dataset.path === file.path));
  }
  writeLocation();
}

async function explore() {
  const response = await call("/preview");
  if (!response) return;
  lastTree = await response.json();
  view.explore = true;
  $("explorer").hidden = false;
  $("explore-name").textContent = `${lastTree.name}/ (${lastTree.files.length} files)`;
  const list = $("tree");
  list.textContent = "";
  for (const file of lastTree.files) {
    const button = element("button", { type: "button", "data-path": file.path, text: file.path });
    button.addEventListener("click", () => showFile(file.path));
    list.append(element("li", {}, [button]));
  }
  showFile(view.file || "README.md");
  $("explorer").scrollIntoView();
}

async function download() {
  const response = await call("/starter.zip");
  if (!response) return;
  const disposition = response.headers.get("content-disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [null, "project.zip"])[1];
  const url = URL.createObjectURL(await response.blob());
  const link = element("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  $("status").textContent = `Downloaded ${name}.`;
}

async function main() {
  const response = await fetch("/metadata");
  meta = await response.json();
  readLocation();
  buildForm();
  refresh();
  $("explore").addEventListener("click", explore);
  $("download").addEventListener("click", download);
  if (view.explore) await explore();
}

main().catch((error) => showProblem({ field: null, message: `the form could not load: ${error}` }));
