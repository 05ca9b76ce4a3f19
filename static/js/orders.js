// Work-order pages: the order's map (site, check-in radius, track) and the worker's steps
// that need the phone's position. Coordinates are WGS-84, as browsers report them.
(function () {
  "use strict";

  // --- the map: no tile provider (offline demo), so the site, its geofence and the
  // track are drawn on a plain background, like sitemap.js does.
  function drawMap() {
    const el = document.getElementById("order-map");
    const source = document.getElementById("order-map-data");
    if (!el || !source || !window.L) return;
    const data = JSON.parse(source.textContent);
    const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
    const site = [data.site.lat, data.site.lng];
    const fence = L.circle(site, {radius: data.radius_m, color: "#1c7ed6", weight: 1, fillOpacity: 0.08});
    const layers = [
      fence.bindTooltip(escape(el.dataset.labelRadius || "") + " " + data.radius_m + " m"),
      L.circleMarker(site, {radius: 8, color: "#d9480f", fillOpacity: 0.9, className: "site-marker"})
        .bindPopup("<strong>" + escape(data.site.name) + "</strong><br>" + escape(data.site.code)),
    ];
    // Frame the geofence and the track first: Leaflet needs a view before vector layers
    // are added, and a view set afterwards leaves the circle clipped to the old one.
    const bounds = L.latLng(site).toBounds(2 * data.radius_m);
    const track = data.track.map((p) => [p.lat, p.lng]);
    if (track.length > 1) layers.push(L.polyline(track, {color: "#2b8a3e", weight: 3}));
    data.track.forEach(function (p) {
      layers.push(
        L.circleMarker([p.lat, p.lng], {radius: 4, color: "#2b8a3e", fillOpacity: 1, className: "track-point"})
          .bindTooltip(escape(el.dataset.labelPosition || "") + " " + escape(p.at))
      );
      bounds.extend([p.lat, p.lng]);
    });
    const map = L.map(el, {attributionControl: false});
    map.fitBounds(bounds, {padding: [20, 20], maxZoom: 18, animate: false});
    layers.forEach((layer) => layer.addTo(map));
  }

  // --- steps that need the position: the form is sent only with coordinates the browser
  // gave (data-geo="required"), or with them when it can (data-geo="optional"). There is no
  // way to type coordinates in: a failed lookup shows why, and the button tries again.
  function wireGeoForms() {
    document.querySelectorAll("form[data-geo]").forEach(function (form) {
      const status = form.querySelector(".geo-status");
      const button = form.querySelector('button[type="submit"]');
      const required = form.dataset.geo === "required";
      let located = false;

      function say(text, isError) {
        status.textContent = text || "";
        status.hidden = !text;
        status.classList.toggle("error", !!isError);
      }
      function send() {
        located = true;
        form.submit();
      }
      function fail(message) {
        button.disabled = false;
        if (required) say(message, true);
        else send();
      }

      form.addEventListener("submit", function (event) {
        if (located) return;
        event.preventDefault();
        form.elements.lat.value = "";
        form.elements.lng.value = "";
        if (!("geolocation" in navigator)) {
          fail(form.dataset.msgUnavailable);
          return;
        }
        button.disabled = true;
        say(form.dataset.msgLocating, false);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            form.elements.lat.value = position.coords.latitude.toFixed(7);
            form.elements.lng.value = position.coords.longitude.toFixed(7);
            send();
          },
          function (error) {
            fail(error.code === 1 ? form.dataset.msgDenied : form.dataset.msgFailed);
          },
          {enableHighAccuracy: true, timeout: 15000, maximumAge: 0}
        );
      });
    });
  }

  // --- delivery photos: small previews of what will be uploaded.
  function wirePhotoPreviews() {
    const input = document.getElementById("deliver-photos");
    const box = document.getElementById("photo-previews");
    if (!input || !box || !window.URL) return;
    input.addEventListener("change", function () {
      box.replaceChildren();
      Array.from(input.files).forEach(function (file) {
        const img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = () => URL.revokeObjectURL(img.src);
        box.appendChild(img);
      });
    });
  }

  drawMap();
  wireGeoForms();
  wirePhotoPreviews();
})();
