// Passkeys (WebAuthn) on the Security screens: asks the desk for options, lets the browser make or use the
// passkey, and sends the result back as JSON. A static file: the desk's CSP allows no inline script.
(function () {
  "use strict";

  function fromBase64url(text) {
    const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) return null;
    const text = btoa(String.fromCharCode(...new Uint8Array(buffer)));
    return text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(form, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json",
                "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value},
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then((response) => response.json().then((data) => {
      if (!response.ok) throw new Error(data.message || response.statusText);
      return data;
    }));
  }

  function descriptors(list) {
    return (list || []).map((item) => Object.assign({}, item, {id: fromBase64url(item.id)}));
  }

  function credentialJSON(credential) {
    const response = credential.response;
    const out = {id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
                 authenticatorAttachment: credential.authenticatorAttachment || undefined,
                 clientExtensionResults: credential.getClientExtensionResults(),
                 response: {clientDataJSON: toBase64url(response.clientDataJSON)}};
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      out.response.userHandle = toBase64url(response.userHandle);
    }
    return out;
  }

  function showError(form, error) {
    const box = form.querySelector("[data-error]");
    box.textContent = error.message;
    box.hidden = false;
  }

  function register(form) {
    return post(form, form.dataset.options).then((options) => {
      options.challenge = fromBase64url(options.challenge);
      options.user.id = fromBase64url(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({publicKey: options});
    }).then((credential) => post(form, form.dataset.finish, {
      name: form.querySelector("[name=name]").value, credential: credentialJSON(credential)}));
  }

  function verify(form) {
    return post(form, form.dataset.options).then((options) => {
      options.challenge = fromBase64url(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({publicKey: options});
    }).then((credential) => post(form, form.dataset.finish, {
      next: form.dataset.next, credential: credentialJSON(credential)}));
  }

  function wire(id, ceremony) {
    const form = document.getElementById(id);
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      ceremony(form).then((data) => { window.location.assign(data.next); })
        .catch((error) => { showError(form, error); button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    wire("passkey-register", register);
    wire("passkey-verify", verify);
  });
})();
