/* Shows the bank and card type while a card number is typed (the identity API's offline BIN
 * lookup, with the page's session and CSRF token). A photo of the card can fill the number
 * in: it goes to the API's card reader the same way, and its answer is shown like a typed
 * number's. Both only inform: the server checks the number again when the form is sent. */
(function () {
  "use strict";
  const form = document.getElementById("account-form");
  if (!form) return;
  const input = form.querySelector("[name=account]");
  const out = document.getElementById("card-info");
  const photoField = document.getElementById("card-photo");
  const photo = document.getElementById("card-photo-input");
  const photoStatus = document.getElementById("card-photo-status");
  const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  // Phone photos have several MB; the server straightens the card to 856 px anyway.
  const PHOTO_SIDE = 2000;
  let timer = null;
  let asked = 0;

  function channel() {
    const checked = form.querySelector("[name=channel]:checked");
    return checked ? checked.value : "";
  }

  function show(title, notes, bad) {
    out.replaceChildren();
    if (title) {
      const strong = document.createElement("strong");
      strong.className = bad ? "error" : "good";
      strong.textContent = title;
      out.append(strong);
    }
    for (const note of notes) {
      const p = document.createElement("p");
      p.className = bad ? "error" : "msg warning";
      p.textContent = note;
      out.append(p);
    }
    out.hidden = !title && !notes.length;
  }

  function showCard(body) {
    const credit = body.card_type === "CC" || body.card_type === "SCC";
    const title = [body.bank_name, body.card_type_label].filter(Boolean).join(" · ");
    const notes = credit ? [form.dataset.msgCredit] : body.warnings;
    show(title, notes, credit);
  }

  function post(url, body, headers) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: Object.assign({Accept: "application/json", "X-CSRFToken": token}, headers),
      body: body,
    }).then((r) => r.json().then((data) => ({ok: r.ok, body: data})));
  }

  function recognise() {
    const digits = input.value.replace(/[\s-]/g, "");
    if (channel() !== "bank" || !/^\d{12,19}$/.test(digits)) {
      show("", [], false);
      return;
    }
    const mine = ++asked;
    post(form.dataset.recogniseUrl, JSON.stringify({number: digits}), {"Content-Type": "application/json"})
      .then(({ok, body}) => {
        if (mine !== asked) return;  // a newer number was typed meanwhile
        if (ok) showCard(body);
        else show("", [body.message || ""], true);
      })
      .catch(() => { if (mine === asked) show("", [], false); });
  }

  function shrink(file) {
    /* A JPEG at most PHOTO_SIDE px on its long side, or the file itself when it is small
     * already or this browser cannot decode it (the server then answers). */
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file).then((bitmap) => {
      const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 2000000) return file;
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.9));
    }).catch(() => file);
  }

  function readPhoto() {
    const file = photo.files[0];
    if (!file) return;
    const mine = ++asked;  // a number typed before is superseded
    clearTimeout(timer);
    photo.disabled = true;
    photoStatus.textContent = form.dataset.msgReading;
    show("", [], false);
    shrink(file)
      .then((image) => {
        const data = new FormData();
        data.append("image", image, "card.jpg");
        return post(form.dataset.photoUrl, data, {});
      })
      .then(({ok, body}) => {
        if (mine !== asked) return;
        if (!ok) {
          photoStatus.textContent = "";
          show("", [body.message || form.dataset.msgPhotoFailed], true);
          return;
        }
        input.value = body.number.replace(/(\d{4})(?=\d)/g, "$1 ");
        photoStatus.textContent = form.dataset.msgRead;
        showCard(body);
      })
      .catch(() => {
        if (mine !== asked) return;
        photoStatus.textContent = "";
        show("", [form.dataset.msgPhotoFailed], true);
      })
      .finally(() => {
        photo.disabled = false;
        photo.value = "";  // the same card can be photographed again
      });
  }

  function onChannel() {
    const bank = channel() === "bank";
    input.inputMode = bank ? "numeric" : "text";
    photoField.hidden = !bank;
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    photoStatus.textContent = "";
    timer = setTimeout(recognise, 250);
  });
  form.addEventListener("change", (event) => {
    if (event.target.name !== "channel") return;
    onChannel();
    recognise();
  });
  photo.addEventListener("change", readPhoto);
  onChannel();
  recognise();
})();
