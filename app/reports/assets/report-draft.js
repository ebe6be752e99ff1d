// Saves the report draft as the technician types: to the server (PUT, the
// whole draft), and first to this device, so a dropped connection in a
// basement loses nothing. An unsent copy is sent again when the connection
// returns, or when the page is opened next. Without JavaScript the form's
// Save button does the same by a plain POST.
(() => {
  const form = document.getElementById('report-draft');
  if (!form) return;
  const status = document.getElementById('draft-status');
  const storageKey = `kastell-report-draft-${form.dataset.report}`;
  let timer;
  let sending = false;

  const collect = () => {
    const data = new FormData(form);
    const rows = new Map();
    for (const [name, value] of data) {
      const match = /^m\.(\d+)\.(quantity|value|unit)$/.exec(name);
      if (!match) continue;
      const row = rows.get(match[1]) ?? {};
      row[match[2]] = String(value).trim();
      rows.set(match[1], row);
    }
    const measurements = [...rows.values()].filter((r) => r.quantity || r.value || r.unit);
    return { workDone: String(data.get('workDone') ?? ''), language: String(data.get('language') ?? 'en'), measurements };
  };

  const say = (text) => { status.textContent = text; };

  const send = async () => {
    const draft = localStorage.getItem(storageKey);
    if (!draft || sending) return;
    sending = true;
    try {
      const response = await fetch(form.dataset.api, {
        method: 'PUT', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: draft,
      });
      if (response.ok) {
        // only forget the copy if nothing newer was typed meanwhile
        if (localStorage.getItem(storageKey) === draft) localStorage.removeItem(storageKey);
        say(status.dataset.savedText);
      } else if (response.status === 422) {
        const answer = await response.json().catch(() => ({}));
        say((answer.error?.issues ?? []).map((i) => i.message).join(' ') || answer.error?.message || String(response.status));
      } else if (response.status === 409 || response.status === 404) {
        localStorage.removeItem(storageKey);
        location.reload();
      } else {
        say(status.dataset.offlineText);
      }
    } catch {
      say(status.dataset.offlineText);
    } finally {
      sending = false;
    }
  };

  const changed = () => {
    localStorage.setItem(storageKey, JSON.stringify(collect()));
    clearTimeout(timer);
    timer = setTimeout(send, 800);
  };

  // a copy from an earlier visit that never reached the server goes first
  const pending = localStorage.getItem(storageKey);
  if (pending) {
    try {
      const draft = JSON.parse(pending);
      form.elements.workDone.value = draft.workDone;
      const body = document.querySelector('#measurements tbody');
      while (body.rows.length < draft.measurements.length) addRow();
      [...body.rows].forEach((row, i) => {
        const m = draft.measurements[i] ?? { quantity: '', value: '', unit: '' };
        row.querySelectorAll('input').forEach((input) => { input.value = m[input.name.split('.')[2]] ?? ''; });
      });
      send();
    } catch {
      localStorage.removeItem(storageKey);
    }
  }

  function addRow() {
    const body = document.querySelector('#measurements tbody');
    const template = body.rows[body.rows.length - 1];
    const row = template.cloneNode(true);
    const n = body.rows.length + 1;
    row.querySelectorAll('input').forEach((input) => { input.name = input.name.replace(/^m\.\d+\./, `m.${n}.`); input.value = ''; });
    body.appendChild(row);
    return row;
  }

  const add = document.getElementById('add-measurement');
  add.hidden = false;
  add.addEventListener('click', () => addRow().querySelector('input').focus());
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', (event) => { event.preventDefault(); changed(); send(); });
  window.addEventListener('online', send);
  setInterval(send, 15000);
})();
