// The employer's sites and grid outlines on a Leaflet map. Coordinates are WGS-84.
// With no tile provider configured (the demo, offline) the map draws the grid
// outlines on a plain background, so it stays readable without tiles.
(function () {
  const el = document.getElementById("site-map");
  if (!el || !window.L) return;
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]);
  const layers = [];
  const bounds = L.latLngBounds([]);
  data.grids.forEach(function (g) {
    const layer = L.geoJSON(g.polygon, {style: {color: "#1c7ed6", weight: 1, fillOpacity: 0.05}})
      .bindTooltip(escape(g.name));
    bounds.extend(layer.getBounds());
    layers.push(layer);
  });
  data.sites.forEach(function (s) {
    layers.push(
      L.circleMarker([s.lat, s.lng], {radius: 6, color: "#d9480f", fillOpacity: 0.8, className: "site-marker"})
        .bindPopup("<strong>" + escape(s.name) + "</strong><br>" + escape(s.code))
    );
    bounds.extend([s.lat, s.lng]);
  });
  // Leaflet needs a view before vector layers are added.
  const map = L.map(el, {attributionControl: false});
  if (bounds.isValid()) map.fitBounds(bounds, {padding: [10, 10]});
  else map.setView([30.25, 120.16], 11);
  layers.forEach((layer) => layer.addTo(map));
})();
