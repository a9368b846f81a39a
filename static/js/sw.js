// elearn service worker: quick-reference cards stay readable offline once opened.
// Cards and the style sheet are fetched from the network first and kept in a cache as a fallback;
// nothing else is cached, so personal pages never outlive the session.
"use strict";
var CACHE = "elearn-cards-v1";
var STATIC = ["/static/css/app.css", "/static/js/app.js", "/static/img/favicon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(STATIC); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function cacheable(url) {
  return url.origin === self.location.origin &&
    (url.pathname.indexOf("/reference") === 0 || STATIC.indexOf(url.pathname) !== -1);
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (cached) {
      return cached || Response.error();
    });
  }));
});
