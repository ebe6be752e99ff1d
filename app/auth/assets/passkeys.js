// Passkeys in the browser: the only script the portal needs (WebAuthn has
// no form-based equivalent). Buttons carry data-passkey="sign-in" or
// data-passkey="register"; everything else works without JavaScript.
(function () {
  'use strict';
  async function postJson(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error((data.error && data.error.message) || 'The request failed.');
    return data;
  }
  function say(button, text) {
    const status = document.getElementById(button.getAttribute('aria-describedby') || 'passkey-status');
    if (status) status.textContent = text;
  }
  async function signIn(button) {
    const options = await postJson('/api/v1/auth/passkey/options', {});
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    await postJson('/api/v1/auth/passkey/verify', { response: credential.toJSON() });
    window.location.assign(button.dataset.next || '/');
  }
  async function register(button) {
    const nameField = document.querySelector('input[name="passkeyName"]');
    const name = (nameField && nameField.value.trim()) || 'Passkey';
    const options = await postJson('/api/v1/me/passkeys/options', {});
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    await postJson('/api/v1/me/passkeys', { name: name, response: credential.toJSON() });
    window.location.assign('/security?passkey=added');
  }
  for (const button of document.querySelectorAll('[data-passkey]')) {
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
      button.hidden = true;
      continue;
    }
    button.hidden = false;
    button.addEventListener('click', function (event) {
      event.preventDefault();
      button.disabled = true;
      say(button, button.dataset.working || '…');
      const run = button.dataset.passkey === 'register' ? register : signIn;
      run(button).catch(function (error) {
        button.disabled = false;
        say(button, (button.dataset.failed || 'Passkey failed') + ': ' + error.message);
      });
    });
  }
})();
