// Call page: everything with data-seek jumps the recording there; the playhead and the current
// transcript line follow playback.  No data lives in this script: it reads the page's attributes.
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var timeline = document.querySelector(".timeline");
  var length = parseFloat(timeline.getAttribute("data-length")) || 1;
  var playhead = timeline.querySelector(".playhead");
  var turns = Array.prototype.slice.call(document.querySelectorAll(".transcript .turn"));
  var current = null;

  function show(t) {
    playhead.style.left = Math.min(100, Math.max(0, (t / length) * 100)) + "%";
    var now = null;
    for (var i = 0; i < turns.length; i++) {
      var start = parseFloat(turns[i].getAttribute("data-start"));
      var end = parseFloat(turns[i].getAttribute("data-end"));
      if (t >= start - 0.05 && t < end) { now = turns[i]; }
    }
    if (now !== current) {
      if (current) { current.classList.remove("now"); }
      if (now) { now.classList.add("now"); }
      current = now;
    }
  }

  function seek(t) {
    if (!isFinite(t)) { return; }
    show(t);
    if (!audio) { return; }
    audio.currentTime = t;
    // Playing needs a user gesture; a refusal must not surface as an error.
    var playing = audio.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }

  function flashCriterion(id) {
    var row = document.querySelector('tr[data-criterion="' + CSS.escape(id) + '"]');
    if (!row) { return; }
    row.classList.remove("flash");
    void row.offsetWidth;  // restart the animation
    row.classList.add("flash");
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek]");
    if (target) {
      seek(parseFloat(target.getAttribute("data-seek")));
      if (target.hasAttribute("data-for")) { flashCriterion(target.getAttribute("data-for")); }
      return;
    }
    var track = event.target.closest(".timeline .track");
    if (track) {
      var box = track.getBoundingClientRect();
      seek(((event.clientX - box.left) / box.width) * length);
    }
  });

  if (audio) {
    audio.addEventListener("timeupdate", function () { show(audio.currentTime); });
    audio.addEventListener("seeked", function () { show(audio.currentTime); });
    audio.addEventListener("error", function () {
      var note = document.getElementById("cannot-play");
      if (note) { note.hidden = false; }
    });
  }
})();
