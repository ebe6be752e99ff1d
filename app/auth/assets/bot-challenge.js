// The proof-of-work bot challenge in the browser (app/auth/bot-challenge.ts):
// altcha's protocol solved with Web Crypto, on our own origin only. A form
// holding [data-bot-challenge="<endpoint>"] gets a challenge from
// /api/v1/auth/challenge, tries numbers until SHA-256(salt + number) is the
// challenge, and puts the solution (base64 JSON) in the hidden "altcha"
// field. It starts by itself; the button starts it again (keyboard: it is a
// real button); the status line (role=status) says where it is. A submit
// before it is done waits for it and then sends the form.
(function () {
  'use strict';
  function hex(buffer) {
    const bytes = new Uint8Array(buffer);
    let out = '';
    for (let i = 0; i < bytes.length; i += 1) out += bytes[i].toString(16).padStart(2, '0');
    return out;
  }
  async function solve(challenge) {
    const encoder = new TextEncoder();
    const started = Date.now();
    for (let n = 0; n <= challenge.maxnumber; n += 1) {
      const digest = await crypto.subtle.digest('SHA-256', encoder.encode(challenge.salt + n));
      if (hex(digest) === challenge.challenge) return { number: n, took: Date.now() - started };
    }
    throw new Error('no solution');
  }
  function setUp(box) {
    const form = box.closest('form');
    const field = box.querySelector('input[name="altcha"]');
    const button = box.querySelector('button[data-bot-challenge-start]');
    const status = box.querySelector('[role="status"]');
    let state = 'idle';
    let submitWhenDone = false;
    function say(text) { if (status) status.textContent = text; }
    async function run() {
      if (state === 'working') return;
      state = 'working';
      field.value = '';
      button.disabled = true;
      box.setAttribute('aria-busy', 'true');
      say(box.dataset.working);
      try {
        const response = await fetch('/api/v1/auth/challenge?for=' + encodeURIComponent(box.dataset.botChallenge), {
          credentials: 'same-origin', headers: { accept: 'application/json' },
        });
        if (!response.ok) throw new Error('challenge refused');
        const challenge = await response.json();
        const solution = await solve(challenge);
        field.value = btoa(JSON.stringify({
          algorithm: challenge.algorithm, challenge: challenge.challenge, number: solution.number,
          salt: challenge.salt, signature: challenge.signature, took: solution.took,
        }));
        state = 'done';
        box.dataset.solved = 'true';
        say(box.dataset.done);
        if (submitWhenDone) form.requestSubmit();
      } catch {
        state = 'idle';
        submitWhenDone = false;
        say(box.dataset.failed);
      } finally {
        button.disabled = false;
        box.removeAttribute('aria-busy');
      }
    }
    button.hidden = false;
    button.addEventListener('click', function () { state = state === 'done' ? 'idle' : state; void run(); });
    form.addEventListener('submit', function (event) {
      if (state === 'done') return;
      event.preventDefault();
      submitWhenDone = true;
      say(box.dataset.wait);
      void run();
    });
    void run();
  }
  document.querySelectorAll('[data-bot-challenge]').forEach(setUp);
})();
