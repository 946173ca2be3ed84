// The draft editor (templates/studio/draft_edit.html): CodeMirror with YAML highlighting and line numbers over the
// form's textarea (without scripts, the textarea is the editor). While the writer types, the document is sent to
// the draft's check (draft-validate, the checks of `dealerkpi plan check`) once typing pauses; each error is marked
// in the gutter and on its line, and listed under the editor, where a click goes to its line.
(function () {
  "use strict";
  const textarea = document.querySelector("textarea.yaml-source[data-validate-url]");
  if (!textarea || !window.CodeMirror) return;
  const form = textarea.form;
  const url = textarea.dataset.validateUrl;
  const panel = document.getElementById("draft-errors");
  const list = panel.querySelector("[data-role=list]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function showList(errors, editor) {
    panel.querySelector("[data-role=ok]").hidden = errors.length > 0;
    panel.querySelector("[data-role=count]").hidden = errors.length === 0;
    list.replaceChildren();
    errors.forEach(function (error) {
      const item = document.createElement("li");
      const where = document.createElement("a");
      where.href = "#line-" + error.line;
      where.dataset.line = error.line;
      where.textContent = error.where;
      item.dataset.line = error.line;
      item.append(where, ": " + error.message);
      list.append(item);
    });
    panel.dataset.checked = String((Number(panel.dataset.checked) || 0) + 1);  // tests wait for a check's answer
  }

  function annotation(error, editor) {
    const line = Math.min(Math.max(error.line - 1, 0), editor.lastLine());
    const length = editor.getLine(line).length;
    const column = Math.min(Math.max(error.column - 1, 0), length);
    return {
      from: CodeMirror.Pos(line, column),
      to: CodeMirror.Pos(line, Math.max(column + 1, length)),
      message: error.where + ": " + error.message,
      severity: "error",
    };
  }

  function check(text, done, options, editor) {
    const body = new URLSearchParams();
    body.set("document", text);
    fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
    })
      .then(function (response) { return response.ok ? response.json() : { errors: [] }; })
      .then(function (answer) {
        showList(answer.errors, editor);
        done(answer.errors.map(function (error) { return annotation(error, editor); }));
      })
      .catch(function () { done([]); });
  }

  const editor = CodeMirror.fromTextArea(textarea, {
    mode: "yaml",
    lineNumbers: true,
    indentUnit: 2,
    tabSize: 2,
    lineWrapping: false,
    gutters: ["CodeMirror-lint-markers", "CodeMirror-linenumbers"],
    extraKeys: { Tab: function (cm) { cm.replaceSelection("  "); } },  // YAML indents with spaces, never tabs
    lint: { getAnnotations: check, async: true, delay: 500, highlightLines: true },
  });
  editor.getWrapperElement().dataset.testid = "code-editor";

  list.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-line]");
    if (!link) return;
    event.preventDefault();
    const line = Number(link.dataset.line) - 1;
    editor.focus();
    editor.setCursor({ line: line, ch: 0 });
    editor.scrollIntoView({ line: line, ch: 0 }, 80);
  });
})();
