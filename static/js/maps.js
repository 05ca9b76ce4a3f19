// Maps (issue 7): the employer's resource map and live status map, an order's track replay,
// the worker's route of the day. Leaflet, vendored; no plugin.
//
// Coordinates arrive WGS-84, as stored. When the configured tiles (setting MAP_TILES) are a
// Chinese provider's, drawn in GCJ-02, every point is converted here for display only; with
// no tiles (the demo, offline) the region and grid outlines are drawn on a plain background.
(function () {
  "use strict";

  const byId = (id) => document.getElementById(id);
  const readJson = (id, fallback) => {
    const el = byId(id);
    return el ? JSON.parse(el.textContent) : fallback;
  };
  const config = readJson("map-config", {tiles: null});
  const labels = readJson("map-labels", {status: {}, events: {}});
  const escape = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => (
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
  )[c]);

  // --- WGS-84 → GCJ-02 -----------------------------------------------------------------------
  // The standard published formula (Krasovsky 1940 ellipsoid constants), the same as
  // prcoords.wgs_gcj behind xinghuo.core.geo.wgs84_to_gcj02; like it, points outside its
  // rough China box are returned unchanged. tests/browser/test_maps.py compares the two.
  const GCJ_A = 6378245.0;
  const GCJ_EE = 0.00669342162296594323;

  function inChina(lat, lng) {
    return lat >= 0.8293 && lat <= 55.8271 && lng >= 72.004 && lng <= 137.8347;
  }

  function wgs84ToGcj02(lat, lng) {
    if (!inChina(lat, lng)) return [lat, lng];
    const x = lng - 105;
    const y = lat - 35;
    const PI = Math.PI;
    const dLatM = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (2 * Math.sin(x * 6 * PI) + 2 * Math.sin(x * 2 * PI) + 2 * Math.sin(y * PI) +
        4 * Math.sin((y / 3) * PI) + 16 * Math.sin((y / 12) * PI) + 32 * Math.sin((y / 30) * PI)) * 20 / 3;
    const dLngM = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (2 * Math.sin(x * 6 * PI) + 2 * Math.sin(x * 2 * PI) + 2 * Math.sin(x * PI) +
        4 * Math.sin((x / 3) * PI) + 15 * Math.sin((x / 12) * PI) + 30 * Math.sin((x / 30) * PI)) * 20 / 3;
    const radLat = (lat * PI) / 180;
    const magic = 1 - GCJ_EE * Math.pow(Math.sin(radLat), 2);
    const latDegArc = (((GCJ_A * (1 - GCJ_EE)) / Math.pow(magic, 1.5)) * PI) / 180;
    const lngDegArc = (((GCJ_A * Math.cos(radLat)) / Math.sqrt(magic)) * PI) / 180;
    return [lat + dLatM / latDegArc, lng + dLngM / lngDegArc];
  }

  const gcj = !!(config.tiles && config.tiles.datum === "gcj02");
  // A stored (WGS-84) point as the map shows it.
  function display(lat, lng) {
    return gcj ? wgs84ToGcj02(lat, lng) : [lat, lng];
  }
  const toLatLng = (lat, lng) => L.latLng(display(lat, lng));
  // GeoJSON is [lng, lat].
  const geoJsonOptions = (style) => ({style: style, coordsToLatLng: (c) => toLatLng(c[1], c[0])});

  window.XinghuoMaps = {wgs84ToGcj02: wgs84ToGcj02, display: display};

  // Wall-clock times in the project's zone (Asia/Shanghai), whatever the browser's.
  const clock = new Intl.DateTimeFormat("zh-CN", {
    timeZone: config.time_zone || "Asia/Shanghai",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hour12: false,
  });
  const formatTime = (ms) => clock.format(new Date(ms));

  function ago(seconds) {
    if (seconds == null) return labels.unknown || "";
    if (seconds < 60) return labels.just_now || "";
    return (labels.min_ago || "%(n)s").replace("%(n)s", Math.round(seconds / 60));
  }

  function makeMap(el) {
    const map = L.map(el, {attributionControl: !!config.tiles});
    if (config.tiles) {
      L.tileLayer(config.tiles.url, {
        attribution: config.tiles.attribution,
        subdomains: config.tiles.subdomains || "abc",
        maxZoom: config.tiles.max_zoom || 18,
      }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    return map;
  }

  // Leaflet needs a view before vector layers are added: frame first, then add.
  function frame(map, bounds, fallback) {
    if (bounds.isValid()) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 16, animate: false});
    else map.setView(fallback || [30.25, 120.16], 11);
  }

  function outlineLayers(outlines, bounds) {
    const layers = [];
    (outlines.regions || []).forEach(function (r) {
      if (!r.geometry) return;
      const layer = L.geoJSON(r.geometry, geoJsonOptions(
        {color: "#495057", weight: 2, dashArray: "6 4", fill: false, className: "region-outline"}
      )).bindTooltip(escape(r.name), {sticky: true});
      bounds.extend(layer.getBounds());
      layers.push(layer);
    });
    (outlines.grids || []).forEach(function (g) {
      const layer = L.geoJSON(g.geometry, geoJsonOptions(
        {color: "#1c7ed6", weight: 1, fillOpacity: 0.05, className: "grid-outline"}
      )).bindTooltip(escape(g.name), {sticky: true});
      bounds.extend(layer.getBounds());
      layers.push(layer);
    });
    return layers;
  }

  // --- markers with grid-based clustering --------------------------------------------------
  // Below CLUSTER_UNTIL_ZOOM, markers whose screen positions fall in the same CELL_PX square
  // become one cluster showing how many it holds; a click zooms in on them. Single markers
  // are kept between renders, so a live update moves a marker (its open card stays open).
  const CELL_PX = 48;
  const CLUSTER_UNTIL_ZOOM = 17;

  function markerGroup(map, kind, iconOf, cardOf) {
    const layer = L.layerGroup().addTo(map);
    const clusters = L.layerGroup().addTo(map);
    const singles = new Map();
    let items = [];

    function tag(marker, it) {
      const el = marker.getElement();
      if (!el) return;
      el.dataset.id = it.id;
      el.dataset.kind = kind;
      el.dataset.lat = it.lat;
      el.dataset.lng = it.lng;
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", it.name || it.title || "");
    }

    function single(it, latlng) {
      let marker = singles.get(it.id);
      const icon = iconOf(it);
      if (!marker) {
        marker = L.marker(latlng, {icon: icon, riseOnHover: true, keyboard: true});
        marker.bindPopup(cardOf(it), {maxWidth: 280});
        marker.addTo(layer);
        singles.set(it.id, marker);
      } else {
        if (!marker.getLatLng().equals(latlng)) marker.setLatLng(latlng);
        if (marker.options.icon.options.className !== icon.options.className ||
            marker.options.icon.options.html !== icon.options.html) marker.setIcon(icon);
        marker.setPopupContent(cardOf(it));
      }
      tag(marker, it);
      return marker;
    }

    function render() {
      const zoom = map.getZoom();
      const clustering = zoom < CLUSTER_UNTIL_ZOOM;
      const cells = new Map();
      items.forEach(function (it) {
        const latlng = toLatLng(it.lat, it.lng);
        const p = map.project(latlng, zoom);
        const key = clustering ? Math.floor(p.x / CELL_PX) + ":" + Math.floor(p.y / CELL_PX) : "id" + it.id;
        if (!cells.has(key)) cells.set(key, []);
        cells.get(key).push({it: it, latlng: latlng});
      });
      clusters.clearLayers();
      const kept = new Set();
      cells.forEach(function (group) {
        if (group.length === 1) {
          single(group[0].it, group[0].latlng);
          kept.add(group[0].it.id);
          return;
        }
        const b = L.latLngBounds(group.map((g) => g.latlng));
        const n = group.length;
        const size = n < 10 ? 30 : n < 100 ? 36 : 44;
        // Workers' clusters sit a little off their centre: at a low zoom they often fall on
        // the sites' cluster, and both counts must stay readable.
        const shift = kind === "worker" ? 20 : 0;
        const icon = L.divIcon({
          className: "mk cluster cluster-" + kind,
          html: "<span>" + n + "</span>",
          iconSize: [size, size],
          iconAnchor: [size / 2 - shift, size / 2 - shift],
        });
        const marker = L.marker(b.getCenter(), {icon: icon, keyboard: true, zIndexOffset: shift * 10})
          .addTo(clusters);
        const el = marker.getElement();
        el.dataset.count = n;
        el.dataset.kind = kind;
        el.setAttribute("title", labels.zoom_in || "");
        marker.on("click", function () {
          map.fitBounds(b.pad(0.2), {maxZoom: Math.max(zoom + 2, CLUSTER_UNTIL_ZOOM)});
        });
      });
      singles.forEach(function (marker, id) {
        if (!kept.has(id)) {
          layer.removeLayer(marker);
          singles.delete(id);
        }
      });
    }

    map.on("zoomend", render);
    return {
      set: function (list) {
        items = list;
        render();
      },
      items: () => items,
      // How many items the map shows, singles plus the clusters' contents.
      shown: function () {
        let n = singles.size;
        clusters.eachLayer((m) => (n += Number(m.getElement().dataset.count)));
        return n;
      },
    };
  }

  function siteIcon(s) {
    const level = s.open_orders >= 3 ? 3 : s.open_orders >= 1 ? 1 : 0;
    return L.divIcon({
      className: "mk site open-" + level,
      html: s.open_orders ? String(s.open_orders) : "",
      iconSize: [20, 20],
    });
  }

  function workerIcon(w) {
    return L.divIcon({
      className: "mk worker status-" + w.status + (w.stale ? " stale" : ""),
      html: "",
      iconSize: [16, 16],
    });
  }

  function siteCard(ordersUrl) {
    return function (s) {
      return '<div class="map-card site-card"><strong>' + escape(s.name) + "</strong> " +
        '<span class="muted">' + escape(s.code) + "</span><br>" + escape(s.kind) + " · " +
        escape(labels.region) + " " + escape(s.region) + (s.grid ? " · " + escape(labels.grid) + " " + escape(s.grid) : "") +
        "<br>" + escape(labels.open_orders) + ": <strong class=\"open-count\">" + s.open_orders + "</strong>" +
        (ordersUrl ? ' · <a href="' + escape(ordersUrl) + '">' + escape(labels.orders) + "</a>" : "") + "</div>";
    };
  }

  function workerCard(orderUrl) {
    return function (w) {
      const order = w.order
        ? "<br>" + escape(labels.order) + ': <a href="' + escape(orderUrl.replace("/0/", "/" + w.order.id + "/")) +
          '">#' + w.order.id + " " + escape(w.order.title) + "</a>"
        : "";
      return '<div class="map-card worker-card"><strong>' + escape(w.name) + "</strong> " +
        '<span class="muted">' + escape(w.role) + "</span><br>" +
        '<span class="dot status-' + escape(w.status) + '"></span>' + escape(labels.status[w.status] || w.status) +
        "<br>" + escape(labels.last_seen) + ": " + escape(ago(w.age_s)) +
        (w.stale ? ' <span class="tag warn">' + escape(labels.stale) + "</span>" : "") + order + "</div>";
    };
  }

  function fetchJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  // --- the resource map ----------------------------------------------------------------------
  function resourceMap(el) {
    const map = makeMap(el);
    fetchJson(el.dataset.src).then(function (data) {
      const bounds = L.latLngBounds([]);
      const outlines = outlineLayers(data, bounds);
      data.sites.items.forEach((s) => bounds.extend(toLatLng(s.lat, s.lng)));
      data.workers.items.forEach((w) => bounds.extend(toLatLng(w.lat, w.lng)));
      frame(map, bounds);
      outlines.forEach((layer) => layer.addTo(map));
      const sites = markerGroup(map, "site", siteIcon, siteCard(el.dataset.ordersUrl));
      const workers = markerGroup(map, "worker", workerIcon, workerCard(el.dataset.orderUrl));
      sites.set(data.sites.items);
      workers.set(data.workers.items);
      byId("site-count").textContent = data.sites.items.length;
      byId("worker-count").textContent = data.workers.items.length;
      byId("map-truncated").hidden = !(data.sites.truncated || data.workers.truncated);
      window.xinghuoMap = {map: map, sites: sites, workers: workers, data: data};
      el.dataset.ready = "1";
    }).catch(function (err) {
      el.dataset.error = String(err);
    });
  }

  // --- the live status map -------------------------------------------------------------------
  function liveMap(el) {
    const map = makeMap(el);
    const bounds = L.latLngBounds([]);
    const outlines = outlineLayers(readJson("map-outlines", {}), bounds);
    frame(map, bounds);
    outlines.forEach((layer) => layer.addTo(map));
    const workers = markerGroup(map, "worker", workerIcon, workerCard(el.dataset.orderUrl));
    const list = byId("live-list");
    const interval = Math.max(1, Number(el.dataset.pollSeconds) || 8) * 1000;
    let polls = 0;
    let framed = bounds.isValid();

    function showList(items) {
      list.replaceChildren();
      items.forEach(function (w) {
        const li = document.createElement("li");
        li.className = "live-worker" + (w.stale ? " stale" : "");
        li.dataset.id = w.id;
        li.innerHTML = '<span class="dot status-' + escape(w.status) + '"></span><strong>' + escape(w.name) +
          "</strong> " + escape(labels.status[w.status] || w.status) + ' <span class="muted">' + escape(ago(w.age_s)) + "</span>";
        li.addEventListener("click", function () {
          map.setView(toLatLng(w.lat, w.lng), Math.max(map.getZoom(), CLUSTER_UNTIL_ZOOM));
        });
        list.appendChild(li);
      });
      byId("live-count").textContent = "(" + items.length + ")";
    }

    function poll() {
      if (document.hidden) {
        setTimeout(poll, interval);
        return;
      }
      fetchJson(el.dataset.src).then(function (data) {
        const items = data.workers.items;
        if (!framed && items.length) {
          frame(map, L.latLngBounds(items.map((w) => toLatLng(w.lat, w.lng))));
          framed = true;
        }
        workers.set(items);
        showList(items);
        polls += 1;
        el.dataset.polls = polls;
        byId("live-updated").textContent = "· " + formatTime(Date.parse(data.now));
      }).catch(function (err) {
        el.dataset.error = String(err);
      }).finally(function () {
        setTimeout(poll, interval);
      });
    }
    window.xinghuoMap = {map: map, workers: workers};
    poll();
  }

  // --- the track replay ----------------------------------------------------------------------
  function replayMap(el, data) {
    const map = makeMap(el);
    const track = data.track.map((p) => ({t: Date.parse(p.at), latlng: toLatLng(p.lat, p.lng)}));
    const events = data.events.map((e) => ({
      type: e.type, t: Date.parse(e.at), time: e.time,
      latlng: e.lat != null && e.lng != null ? toLatLng(e.lat, e.lng) : null,
    }));
    const times = track.map((p) => p.t).concat(events.map((e) => e.t));
    const t0 = times.length ? Math.min.apply(null, times) : 0;
    let t1 = times.length ? Math.max.apply(null, times) : 1;
    if (t1 <= t0) t1 = t0 + 1000;
    const site = toLatLng(data.site.lat, data.site.lng);

    // Where the worker was at time t: between two reported positions, on the straight line.
    function positionAt(t) {
      if (!track.length) return site;
      if (t <= track[0].t) return track[0].latlng;
      const last = track[track.length - 1];
      if (t >= last.t) return last.latlng;
      let lo = 0;
      let hi = track.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (track[mid].t <= t) lo = mid; else hi = mid;
      }
      const a = track[lo];
      const b = track[hi];
      const f = b.t === a.t ? 1 : (t - a.t) / (b.t - a.t);
      return L.latLng(a.latlng.lat + (b.latlng.lat - a.latlng.lat) * f, a.latlng.lng + (b.latlng.lng - a.latlng.lng) * f);
    }
    // Steps that recorded no position happened where he was then (at the site, once there).
    events.forEach(function (e) {
      if (!e.latlng) e.latlng = e.type === "deliver" || e.type === "accept" ? site : positionAt(e.t);
    });

    const fence = L.circle(site, {radius: data.radius_m, color: "#1c7ed6", weight: 1, fillOpacity: 0.08, className: "geofence"});
    const bounds = site.toBounds(2 * data.radius_m);
    track.forEach((p) => bounds.extend(p.latlng));
    events.forEach((e) => bounds.extend(e.latlng));
    map.fitBounds(bounds, {padding: [30, 30], maxZoom: 18, animate: false});

    fence.bindTooltip(escape(labels.radius) + " " + data.radius_m + " m").addTo(map);
    L.marker(site, {icon: L.divIcon({className: "mk site open-0", iconSize: [20, 20]})})
      .bindPopup("<strong>" + escape(data.site.name) + "</strong><br>" + escape(data.site.code)).addTo(map);
    if (data.check_in) {
      L.marker(toLatLng(data.check_in.lat, data.check_in.lng), {
        icon: L.divIcon({className: "mk checkin", html: "✓", iconSize: [18, 18]}),
      }).bindTooltip(escape(labels.check_in) + " " + escape(formatTime(Date.parse(data.check_in.at)))).addTo(map);
    }
    if (track.length > 1) {
      L.polyline(track.map((p) => p.latlng), {color: "#adb5bd", weight: 3, dashArray: "4 6"}).addTo(map);
    }
    const travelled = L.polyline([], {color: "#2b8a3e", weight: 4, className: "travelled"}).addTo(map);
    const eventList = byId("replay-events");
    // Steps at (nearly) the same place on screen, like check-in, delivery and acceptance at
    // the site, are fanned out in a row, so that each keeps a visible, clickable marker.
    const atPlace = new Map();
    const eventItems = events.map(function (e, i) {
      const label = labels.events[e.type] || e.type;
      const p = map.latLngToLayerPoint(e.latlng);
      const place = Math.round(p.x / 14) + ":" + Math.round(p.y / 14);
      const n = atPlace.get(place) || 0;
      atPlace.set(place, n + 1);
      L.marker(e.latlng, {
        icon: L.divIcon({
          className: "mk event ev-" + e.type, html: String(i + 1), iconSize: [20, 20], iconAnchor: [10 - 22 * n, 10],
        }),
        zIndexOffset: 500,
      }).bindTooltip((i + 1) + ". " + escape(label) + " " + escape(formatTime(e.t))).addTo(map);
      const li = document.createElement("li");
      li.dataset.type = e.type;
      li.innerHTML = "<strong>" + escape(label) + "</strong> <time>" + escape(formatTime(e.t)) + "</time>";
      li.addEventListener("click", function () {
        pause();
        setTime(e.t);
      });
      eventList.appendChild(li);
      return li;
    });
    const mover = L.marker(positionAt(t0), {
      icon: L.divIcon({className: "mk mover", iconSize: [28, 28]}),
      zIndexOffset: 1000,
    }).addTo(map);

    const slider = byId("replay-slider");
    const output = byId("replay-time");
    const current = byId("replay-event");
    const button = byId("replay-play");
    const duration = Number(el.dataset.durationMs) || 6000;
    let now = t0;
    let playing = false;
    let last = 0;

    function setTime(t) {
      now = Math.min(t1, Math.max(t0, t));
      const here = positionAt(now);
      const path = track.filter((p) => p.t <= now).map((p) => p.latlng);
      path.push(here);
      travelled.setLatLngs(path);
      mover.setLatLng(here);
      slider.value = Math.round(((now - t0) / (t1 - t0)) * 1000);
      output.textContent = formatTime(now);
      let step = null;
      events.forEach(function (e, i) {
        const reached = e.t <= now;
        eventItems[i].classList.toggle("reached", reached);
        if (reached) step = e;
      });
      eventItems.forEach((li) => li.classList.remove("current"));
      if (step) eventItems[events.indexOf(step)].classList.add("current");
      current.textContent = step ? (labels.events[step.type] || step.type) + " " + formatTime(step.t) : "—";
      current.dataset.type = step ? step.type : "";
      el.dataset.state = now >= t1 ? "ended" : playing ? "playing" : "paused";
    }
    function frameStep(ts) {
      if (!playing) return;
      const dt = last ? ts - last : 0;
      last = ts;
      setTime(now + ((t1 - t0) * dt) / duration);
      if (now >= t1) {
        pause();
        el.dataset.state = "ended";
        return;
      }
      requestAnimationFrame(frameStep);
    }
    function play() {
      if (now >= t1) setTime(t0);
      playing = true;
      last = 0;
      button.textContent = button.dataset.labelPause;
      el.dataset.state = "playing";
      requestAnimationFrame(frameStep);
    }
    function pause() {
      playing = false;
      button.textContent = button.dataset.labelPlay;
      if (now < t1) el.dataset.state = "paused";
    }
    button.addEventListener("click", () => (playing ? pause() : play()));
    slider.addEventListener("input", function () {
      pause();
      setTime(t0 + ((t1 - t0) * Number(slider.value)) / 1000);
    });
    setTime(t0);
    window.xinghuoReplay = {map: map, setTime: setTime, play: play, pause: pause, t0: t0, t1: t1};
    el.dataset.ready = "1";
  }

  // --- the worker's route of the day --------------------------------------------------------
  function routeMap(el, data) {
    const map = makeMap(el);
    const start = toLatLng(data.start.lat, data.start.lng);
    const stops = data.stops.map((s) => Object.assign({latlng: toLatLng(s.lat, s.lng)}, s));
    const bounds = L.latLngBounds([start]);
    stops.forEach((s) => bounds.extend(s.latlng));
    // Frame the way, not the whole region; the outlines are the background.
    const outlines = outlineLayers(data, L.latLngBounds([]));
    frame(map, bounds.pad(0.15));
    outlines.forEach((layer) => layer.addTo(map));
    L.polyline([start].concat(stops.map((s) => s.latlng)), {color: "#d9480f", weight: 3, dashArray: "8 6", className: "route-line"}).addTo(map);
    L.marker(start, {icon: L.divIcon({className: "mk worker status-available me", iconSize: [18, 18]})})
      .bindTooltip(escape(labels.start)).addTo(map);
    stops.forEach(function (s) {
      L.marker(s.latlng, {
        icon: L.divIcon({className: "mk stop" + (s.urgent ? " urgent" : "") + (s.late ? " late" : ""), html: String(s.n), iconSize: [24, 24]}),
      }).bindPopup(
        '<div class="map-card"><strong>' + s.n + ". " + escape(s.title) + "</strong><br>" + escape(s.site) +
        "<br>" + escape(labels.eta) + " <strong>" + escape(s.arrive) + "</strong> · " + escape(labels.done_by) + " " + escape(s.done) +
        (s.late ? ' <span class="tag warn">' + escape(labels.late) + "</span>" : "") +
        '<br><a href="' + escape(s.url) + '">#' + s.order_id + "</a></div>"
      ).addTo(map);
    });
    el.dataset.ready = "1";
  }

  if (!window.L) return;
  const resource = byId("resource-map");
  if (resource) resourceMap(resource);
  const live = byId("live-map");
  if (live) liveMap(live);
  const replay = byId("replay-map");
  if (replay) replayMap(replay, readJson("replay-data", null));
  const route = byId("route-map");
  if (route) routeMap(route, readJson("route-data", null));
})();
