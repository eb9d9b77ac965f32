// The instructor board refreshes itself: every data-refresh-seconds, fetch the board's table
// (data-board-url, same origin, the session's cookie) and put it in place. It stops when the
// answer is not the table (the session ended: a redirect to sign-in, a 403 or 404). Without
// JavaScript the page's Refresh link does the same by hand.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !board.dataset.boardUrl || !window.fetch) {
    return;
  }
  var seconds = Math.max(2, Number(board.dataset.refreshSeconds) || 5);

  function schedule() {
    window.setTimeout(refresh, seconds * 1000);
  }

  function refresh() {
    if (document.hidden || board.contains(document.activeElement) && document.activeElement !== document.body) {
      schedule();  // don't pull a focused button from under the keyboard, nor poll a hidden tab
      return;
    }
    fetch(board.dataset.boardUrl, {credentials: "same-origin", redirect: "manual", cache: "no-store"})
      .then(function (response) {
        if (!response.ok || response.type === "opaqueredirect") {
          throw new Error("board refresh stopped: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        board.innerHTML = html;
        schedule();
      })
      .catch(function () { /* leave the last board in place; the Refresh link still works */ });
  }

  schedule();
})();
