// The employer's sites and grid outlines on a Leaflet map. Coordinates are WGS-84.
// With no tile provider configured (the demo, offline) the map draws the grid
// outlines on a plain background, so it stays readable without tiles.
(function () {
  const el = document.getElementById("site-map");
  if (!el || !window.L) return;
  const data = JSON.parse(document.getElementById("map-data").textContent);
  const map = L.map(el, {attributionControl: false});
  const bounds = L.latLngBounds([]);
  data.grids.forEach(function (g) {
    const layer = L.geoJSON(g.polygon, {style: {color: "#1c7ed6", weight: 1, fillOpacity: 0.05}})
      .bindTooltip(g.name).addTo(map);
    bounds.extend(layer.getBounds());
  });
  data.sites.forEach(function (s) {
    L.circleMarker([s.lat, s.lng], {radius: 6, color: "#d9480f", fillOpacity: 0.8, className: "site-marker"})
      .bindPopup("<strong>" + s.name.replace(/</g, "&lt;") + "</strong><br>" + s.code)
      .addTo(map);
    bounds.extend([s.lat, s.lng]);
  });
  if (bounds.isValid()) map.fitBounds(bounds, {padding: [10, 10]});
  else map.setView([30.25, 120.16], 11);
})();
