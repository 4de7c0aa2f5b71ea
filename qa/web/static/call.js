// Call page: the transcript and the audio move together.
// Clicking a line (or a category match, a comment time, the chart) seeks the player there;
// while it plays, the line being heard is highlighted and kept in view, and the chart's
// playhead follows. Loaded as an external file: the page's CSP allows no inline script.
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) { return; }
  var turns = Array.prototype.slice.call(document.querySelectorAll("#transcript .turn"));
  var chart = document.getElementById("emotion-chart");
  var playhead = document.getElementById("playhead");
  var commentAt = document.getElementById("comment-at");
  var current = null;

  function seek(ms) {
    player.currentTime = ms / 1000;
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: seeking is enough */ }); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-seek-ms]");
    if (!target) { return; }
    event.preventDefault();
    seek(parseInt(target.getAttribute("data-seek-ms"), 10));
  });

  if (chart) {
    chart.addEventListener("click", function (event) {
      var box = chart.getBoundingClientRect();
      var viewWidth = chart.viewBox.baseVal.width;
      var left = parseFloat(chart.getAttribute("data-left"));
      var right = parseFloat(chart.getAttribute("data-right"));
      var x = (event.clientX - box.left) / box.width * viewWidth;
      var fraction = Math.min(Math.max((x - left) / (right - left), 0), 1);
      seek(fraction * parseInt(chart.getAttribute("data-duration-ms"), 10));
    });
  }

  function lineAt(ms) {
    for (var i = 0; i < turns.length; i++) {
      var start = parseInt(turns[i].getAttribute("data-start-ms"), 10);
      var end = parseInt(turns[i].getAttribute("data-end-ms"), 10);
      if (ms >= start && ms < end) { return turns[i]; }
    }
    return null;
  }

  // scroll the transcript box only, never the page: the reviewer may be reading the scorecard
  function keepInView(line) {
    var box = line.parentNode;
    var top = line.offsetTop;
    if (top < box.scrollTop || top + line.offsetHeight > box.scrollTop + box.clientHeight) {
      box.scrollTop = Math.max(0, top - box.clientHeight / 3);
    }
  }

  function follow() {
    var ms = player.currentTime * 1000;
    var line = lineAt(ms);
    if (line !== current) {
      if (current) { current.classList.remove("current"); }
      if (line) {
        line.classList.add("current");
        keepInView(line);
      }
      current = line;
    }
    if (commentAt) { commentAt.value = String(Math.round(ms)); }
    if (chart && playhead) {
      var left = parseFloat(chart.getAttribute("data-left"));
      var right = parseFloat(chart.getAttribute("data-right"));
      var duration = parseInt(chart.getAttribute("data-duration-ms"), 10) || 1;
      var x = left + (right - left) * Math.min(ms / duration, 1);
      playhead.setAttribute("x1", x.toFixed(1));
      playhead.setAttribute("x2", x.toFixed(1));
    }
  }

  player.addEventListener("timeupdate", follow);
  player.addEventListener("seeked", follow);
})();
